import { env } from "cloudflare:workers";
import type { ForwardJob } from "../../src/forward/types";
import type { JobMessage } from "../../src/forward/deliver";
import { signature } from "../../src/forward/webhook";

/**
 * Fake ad platforms: each checks a request as the real API would (path, auth, required fields,
 * batch limits) and answers as scripted — success, an HTTP error with the platform's error body,
 * or no answer (a timeout). Requests are recorded for the tests' own checks.
 */

export const WEBHOOK_URL = "https://hooks.test/conv";
export const WEBHOOK_SECRET = "whsec-0123456789abcdef";
export const META_TOKEN = "EAAB-test-token-7890";
export const PIXEL = "123456789012345";

export const GADS = { customer_id: "1234567890", developer_token: "dev-token-AbCd", client_id: "123-abc.apps.googleusercontent.com", client_secret: "GOCSPX-secret-9876", refresh_token: "1//refresh-token-5432" };

export const TIKTOK = { pixel_code: "C4ABCDEF1234567890", access_token: "tt-access-token-4321" };
export const LINKEDIN_TOKEN = "AQV-linkedin-token-8765";

export type Answer = { status: number; body?: unknown } | "timeout" | "network";

export interface Recorded {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** the checks the fake platform made: empty when the request was valid */
  problems: string[];
}

const hex64 = /^[0-9a-f]{64}$/;

async function checkWebhook(url: URL, headers: Headers, raw: string): Promise<string[]> {
  const p: string[] = [];
  if (url.href !== WEBHOOK_URL) p.push(`unknown url ${url.href}`);
  if (headers.get("x-edgetally-signature") !== (await signature(WEBHOOK_SECRET, raw))) p.push("bad signature");
  const b = JSON.parse(raw) as { site?: unknown; destination?: unknown; events?: Record<string, unknown>[] };
  if (typeof b.site !== "string" || typeof b.destination !== "string" || !Array.isArray(b.events)) p.push("missing site/destination/events");
  for (const e of b.events ?? []) {
    for (const k of ["event_id", "name", "goal", "time", "value", "currency", "url", "touch"]) if (!(k in e)) p.push(`event lacks ${k}`);
    if (Object.keys(e).some((k) => !["event_id", "name", "goal", "time", "value", "currency", "url", "touch"].includes(k))) p.push("event has an unknown field");
  }
  return p;
}

/** Checks a Meta CAPI request as Graph API would: path, token, data ≤ 1,000, required fields, hashing. */
function checkMeta(url: URL, raw: string): string[] {
  const p: string[] = [];
  if (url.origin !== "https://meta.test" || url.pathname !== `/v24.0/${PIXEL}/events`) p.push(`bad path ${url.pathname}`);
  const b = JSON.parse(raw) as { data?: Record<string, unknown>[]; access_token?: unknown; test_event_code?: unknown };
  if (b.access_token !== META_TOKEN) p.push("bad access_token");
  if (!Array.isArray(b.data) || b.data.length === 0 || b.data.length > 1000) p.push("data must hold 1–1000 events");
  for (const e of b.data ?? []) {
    if (typeof e.event_name !== "string" || typeof e.event_time !== "number") p.push("event_name and event_time required");
    if (!["website", "other", "app", "email", "phone_call", "chat", "physical_store", "system_generated", "business_messaging"].includes(String(e.action_source))) p.push("bad action_source");
    const u = (e.user_data ?? {}) as Record<string, unknown>;
    if (e.action_source === "website" && (typeof u.client_user_agent !== "string" || typeof e.event_source_url !== "string")) p.push("website events need client_user_agent and event_source_url");
    for (const k of ["em", "ph", "external_id"]) if (k in u && !(Array.isArray(u[k]) && (u[k] as unknown[]).every((h) => typeof h === "string" && hex64.test(h)))) p.push(`${k} must be an array of SHA-256 hashes`);
    if ("fbc" in u && !/^fb\.1\.\d{13}\..+$/.test(String(u.fbc))) p.push("bad fbc");
    if (Object.keys(u).length === 0) p.push("user_data needs at least one customer information parameter");
  }
  return p;
}

/** Google's OAuth token endpoint: a form with grant_type=refresh_token and the client's credentials. */
function checkOAuth(url: URL, headers: Headers, raw: string): string[] {
  const p: string[] = [];
  if (url.pathname !== "/token") p.push(`bad path ${url.pathname}`);
  if (!String(headers.get("content-type")).startsWith("application/x-www-form-urlencoded")) p.push("not a form");
  const f = new URLSearchParams(raw);
  if (f.get("grant_type") !== "refresh_token" || f.get("client_id") !== GADS.client_id || f.get("client_secret") !== GADS.client_secret || f.get("refresh_token") !== GADS.refresh_token) p.push("invalid_grant");
  return p;
}

/** Google Ads uploadClickConversions: path, bearer token from the refresh, developer token, ≤ 2,000 conversions, partialFailure. */
function checkGoogleAds(url: URL, headers: Headers, raw: string, tokens: Set<string>): string[] {
  const p: string[] = [];
  if (url.pathname !== `/v24/customers/${GADS.customer_id}:uploadClickConversions`) p.push(`bad path ${url.pathname}`);
  if (!tokens.has(String(headers.get("authorization")).replace(/^Bearer /, ""))) p.push("UNAUTHENTICATED");
  if (headers.get("developer-token") !== GADS.developer_token) p.push("DEVELOPER_TOKEN_INVALID");
  const b = JSON.parse(raw) as { conversions?: Record<string, unknown>[]; partialFailure?: unknown };
  if (b.partialFailure !== true) p.push("partialFailure must be true");
  if (!Array.isArray(b.conversions) || b.conversions.length === 0 || b.conversions.length > 2000) p.push("1–2000 conversions");
  for (const c of b.conversions ?? []) {
    if (!/^customers\/\d{10}\/conversionActions\/\d+$/.test(String(c.conversionAction))) p.push("bad conversionAction");
    if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/.test(String(c.conversionDateTime))) p.push("bad conversionDateTime");
    if (["gclid", "gbraid", "wbraid"].filter((k) => k in c).length > 1) p.push("only one of gclid, gbraid, wbraid");
    for (const id of (c.userIdentifiers ?? []) as Record<string, string>[]) for (const v of Object.values(id)) if (!hex64.test(v)) p.push("identifiers must be SHA-256 hashes");
  }
  return p;
}

/** TikTok Events API 2.0: path, Access-Token, event_source web, data ≤ 1,000, hashed user fields. Errors are HTTP 200 with a code. */
function checkTiktok(url: URL, headers: Headers, raw: string): string[] {
  const p: string[] = [];
  if (url.pathname !== "/open_api/v1.3/event/track/") p.push(`bad path ${url.pathname}`);
  if (headers.get("access-token") !== TIKTOK.access_token) p.push("Access token is incorrect or has been revoked.");
  const b = JSON.parse(raw) as { event_source?: unknown; event_source_id?: unknown; data?: Record<string, unknown>[] };
  if (b.event_source !== "web" || b.event_source_id !== TIKTOK.pixel_code) p.push("event_source web with the pixel code");
  if (!Array.isArray(b.data) || b.data.length === 0 || b.data.length > 1000) p.push("data must hold 1–1000 events");
  for (const e of b.data ?? []) {
    if (typeof e.event !== "string" || typeof e.event_time !== "number") p.push("event and event_time required");
    const u = (e.user ?? {}) as Record<string, unknown>;
    for (const k of ["email", "phone", "external_id"]) if (k in u && !hex64.test(String(u[k]))) p.push(`${k} must be a SHA-256 hash`);
  }
  return p;
}

/** LinkedIn Conversions API BATCH_CREATE: path, token, versions, each element with a conversion URN and a user id. */
function checkLinkedin(url: URL, headers: Headers, raw: string): string[] {
  const p: string[] = [];
  if (url.pathname !== "/rest/conversionEvents") p.push(`bad path ${url.pathname}`);
  if (headers.get("authorization") !== `Bearer ${LINKEDIN_TOKEN}`) p.push("Invalid access token");
  if (!/^\d{6}$/.test(String(headers.get("linkedin-version"))) || headers.get("x-restli-protocol-version") !== "2.0.0" || headers.get("x-restli-method") !== "BATCH_CREATE") p.push("missing Rest.li headers");
  const b = JSON.parse(raw) as { elements?: Record<string, unknown>[] };
  if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 5000) p.push("1–5000 elements");
  return p;
}

/** A fake of every platform. `answers` are used in order for each request (then 200). */
export function fakePlatforms(answers: Answer[] = []) {
  const requests: Recorded[] = [];
  const queue = [...answers];
  const tokens = new Set<string>();
  let issued = 0;
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const raw = new TextDecoder().decode(await req.arrayBuffer());
    const url = new URL(req.url);
    const problems =
      url.host === "hooks.test" ? await checkWebhook(url, req.headers, raw)
      : url.host === "meta.test" ? checkMeta(url, raw)
      : url.host === "oauth.test" ? checkOAuth(url, req.headers, raw)
      : url.host === "googleads.test" ? checkGoogleAds(url, req.headers, raw, tokens)
      : url.host === "tiktok.test" ? checkTiktok(url, req.headers, raw)
      : url.host === "linkedin.test" ? checkLinkedin(url, req.headers, raw)
      : [`no such platform ${url.host}`];
    const body = url.host === "oauth.test" ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw) as Record<string, unknown>);
    requests.push({ url: req.url, headers: Object.fromEntries(req.headers), body, problems });
    if (url.host === "oauth.test") {
      if (problems.length > 0) return Response.json({ error: "invalid_grant", error_description: "Bad Request" }, { status: 400 });
      const token = `ya29.test-${++issued}`;
      tokens.add(token);
      return Response.json({ access_token: token, expires_in: 3599, token_type: "Bearer" });
    }
    if (url.host === "googleads.test" && problems.includes("UNAUTHENTICATED")) return Response.json({ error: { code: 401, message: "Request is missing required authentication credential.", status: "UNAUTHENTICATED" } }, { status: 401 });
    if (url.host === "tiktok.test" && problems.length > 0) return Response.json({ code: 40002, message: problems.join("; "), request_id: "r" });
    if (url.host === "linkedin.test" && problems.length === 0) {
      // Per element: one without any user id is refused on its own, as LinkedIn does.
      const els = (body.elements as { user?: { userIds?: unknown[] } }[]).map((e) => ((e.user?.userIds ?? []).length > 0 ? { status: 201 } : { status: 400, error: { message: "At least one user id is required." } }));
      const a = queue.shift() ?? { status: 200 };
      if (a === "network") throw new TypeError("Network connection lost.");
      if (a !== "timeout" && a.status !== 200) return Response.json(a.body ?? { message: "LinkedIn says no", status: a.status }, { status: a.status });
      return Response.json({ elements: els });
    }
    if (problems.length > 0) {
      const message = problems.join("; ");
      return Response.json(url.host === "meta.test" ? { error: { message, type: "OAuthException", code: 100 } } : { error: message }, { status: 400 });
    }
    const a = queue.shift() ?? { status: 200 };
    if (a === "network") throw new TypeError("Network connection lost.");
    if (a === "timeout") {
      return new Promise<Response>((_, reject) => {
        req.signal.addEventListener("abort", () => reject(req.signal.reason));
      });
    }
    const ok = url.host === "meta.test" ? { events_received: 1, fbtrace_id: "AbC" } : url.host === "tiktok.test" ? { code: 0, message: "OK", request_id: "r" } : { ok: true };
    return Response.json(a.body ?? ok, { status: a.status });
  }) as typeof fetch;
  return { fetch: fetcher, requests, revokeTokens: () => tokens.clear() };
}

/** A queue stand-in that records what is sent. */
export function captureQueue(): Queue<unknown> & { bodies: unknown[] } {
  const bodies: unknown[] = [];
  return {
    bodies,
    metrics: async () => ({ backlogCount: 0, backlogBytes: 0 }),
    send: async (body: unknown) => {
      bodies.push(body);
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<unknown>>) => {
      for (const m of messages) bodies.push(m.body);
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    },
  } as Queue<unknown> & { bodies: unknown[] };
}

/** Queue messages of `jobs` whose ack / retry are recorded. */
export function messagesOf(jobs: readonly unknown[], attempts = 1) {
  const acked: number[] = [];
  const retried: { index: number; delaySeconds: number | undefined }[] = [];
  const messages: JobMessage[] = jobs.map((body, index) => ({
    body,
    attempts,
    ack: () => void acked.push(index),
    retry: (o?: { delaySeconds?: number }) => void retried.push({ index, delaySeconds: o?.delaySeconds }),
  }));
  return { messages, acked, retried };
}

export const asJobs = (bodies: readonly unknown[]) => bodies as ForwardJob[];

/** Every text in every D1 table, for scanning for identifiers. */
export async function allRows(): Promise<string> {
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
  const out: string[] = [];
  for (const { name } of results) out.push(JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results));
  return out.join("\n");
}
