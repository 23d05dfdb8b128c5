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
  if (url.origin !== "https://meta.test" || url.pathname !== `/v22.0/${PIXEL}/events`) p.push(`bad path ${url.pathname}`);
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

/** A fake of every platform. `answers` are used in order for each request (then 200). */
export function fakePlatforms(answers: Answer[] = []) {
  const requests: Recorded[] = [];
  const queue = [...answers];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const raw = await req.text();
    const url = new URL(req.url);
    const problems = url.host === "hooks.test" ? await checkWebhook(url, req.headers, raw) : url.host === "meta.test" ? checkMeta(url, raw) : [`no such platform ${url.host}`];
    requests.push({ url: req.url, headers: Object.fromEntries(req.headers), body: JSON.parse(raw) as Record<string, unknown>, problems });
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
    return Response.json(a.body ?? (url.host === "meta.test" ? { events_received: 1, fbtrace_id: "AbC" } : { ok: true }), { status: a.status });
  }) as typeof fetch;
  return { fetch: fetcher, requests };
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
