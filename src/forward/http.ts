import type { HashedUser, Outcome, RawUser, SendContext } from "./types";

/** Longest platform message kept (forward_status.last_error_message). */
export const MESSAGE_MAX = 500;

/** SHA-256 of `s` as lower-case hex. */
export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** CONTRACT.md: an already-hashed value (64 hex characters) is passed as is. */
export const isSha256 = (s: string) => /^[0-9a-fA-F]{64}$/.test(s);

/** `normalise` then SHA-256, unless the value is already a hash; undefined for an empty value. */
export async function hashWith(value: string | null | undefined, normalise: (s: string) => string): Promise<string | undefined> {
  if (value === null || value === undefined) return undefined;
  const t = value.trim();
  if (isSha256(t)) return t.toLowerCase();
  const n = normalise(t);
  return n === "" ? undefined : sha256Hex(n);
}

/** One platform's normalisation of each user field before hashing (its documented rules). */
export interface UserRules {
  email: (s: string) => string;
  phone: (s: string) => string;
  external_id?: (s: string) => string;
}

/**
 * The user fields normalised by `rules` and SHA-256-hashed (hashWith), only those that are
 * present and not empty after normalising; external_id only where the platform takes it.
 */
export async function hashUserBy(u: RawUser, rules: UserRules): Promise<HashedUser> {
  const out: HashedUser = {};
  const email = await hashWith(u.email, rules.email);
  const phone = await hashWith(u.phone, rules.phone);
  const id = rules.external_id ? await hashWith(u.external_id, rules.external_id) : undefined;
  if (email) out.email = email;
  if (phone) out.phone = phone;
  if (id) out.external_id = id;
  return out;
}

/** The answer of one request, as the outbox needs it: 2xx delivered; 408, 429 and 5xx retried; other 4xx permanent. */
export function outcomeOf(status: number, message: string): Outcome {
  if (status >= 200 && status < 300) return { kind: "delivered" };
  const m = message.slice(0, MESSAGE_MAX);
  if (status === 408 || status === 429 || status >= 500) return { kind: "retry", status, message: m };
  return { kind: "failed", status, message: m };
}

/**
 * POSTs `body` as JSON with a timeout. A network error or timeout is a retry with status 0.
 * `messageOf` reads the platform's own message from its error body.
 */
export async function postJson(ctx: SendContext, url: string, body: unknown, headers: Record<string, string>, messageOf: (text: string, status: number) => string): Promise<{ status: number; text: string } | Outcome> {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  try {
    const res = await ctx.fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload, signal: AbortSignal.timeout(ctx.timeoutMs) });
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) return { status: res.status, text };
    return outcomeOf(res.status, messageOf(text, res.status));
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    return { kind: "retry", status: 0, message: name === "TimeoutError" || name === "AbortError" ? `no answer within ${ctx.timeoutMs / 1000} s` : `network error: ${err instanceof Error ? err.message : String(err)}`.slice(0, MESSAGE_MAX) };
  }
}

/** The message of a JSON error body at `path` (e.g. ["error", "message"]), else the text itself. */
export function messageAt(text: string, status: number, ...paths: string[][]): string {
  try {
    const j = JSON.parse(text) as unknown;
    for (const path of paths) {
      let x: unknown = j;
      for (const k of path) x = typeof x === "object" && x !== null ? (x as Record<string, unknown>)[k] : undefined;
      if (typeof x === "string" && x !== "") return x;
    }
  } catch {
    // not JSON: the text is the message
  }
  return text.trim() === "" ? `HTTP ${status}` : text.trim();
}
