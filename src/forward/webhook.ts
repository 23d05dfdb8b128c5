import type { WebhookDestination } from "../schemas/destinations";
import { messageAt, postJson } from "./http";
import type { Platform } from "./types";
import { DAY_MS } from "../time/windows";

/**
 * A webhook destination (CONTRACT.md "Forwarding"): `POST url` with the JSON body
 * `{"site", "destination", "events": [{"event_id", "name", "goal", "time", "value", "currency",
 * "url", "touch"}]}` (plus `"test_event_code"` for test events) and the header
 * `x-edgetally-signature: sha256=<hex HMAC-SHA-256(secret, body)>`. It carries no identifier:
 * no IP address, user agent, user field or click id (the receiver is the advertiser's own system,
 * which has its own records).
 */

/** Events per request: one call per queue batch's worth, small enough for any receiver. */
const BATCH_MAX = 100;
/** A webhook takes conversions up to 7 days old (as Meta, the strictest platform). */
const MAX_AGE_MS = 7 * DAY_MS;

/** `sha256=<hex HMAC-SHA-256(secret, body)>`. */
export async function signature(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return "sha256=" + Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const webhook: Platform<WebhookDestination> = {
  batchMax: BATCH_MAX,
  maxAgeMs: MAX_AGE_MS,
  hashUser: async () => ({}),
  async send(dest, jobs, ctx) {
    const first = jobs[0]!;
    const body = JSON.stringify({
      site: first.site,
      destination: dest.id,
      ...(first.test !== null ? { test_event_code: first.test } : {}),
      events: jobs.map(({ event: e }) => ({
        event_id: e.event_id,
        name: e.name,
        goal: e.goal,
        time: new Date(e.time * 1000).toISOString(),
        value: e.value,
        currency: e.currency,
        url: e.url,
        touch: e.touch,
      })),
    });
    const r = await postJson(ctx, dest.url, body, { "x-edgetally-signature": await signature(dest.secret, body) }, (text, status) => messageAt(text, status, ["error", "message"], ["error"], ["message"]));
    return jobs.map(() => ("kind" in r ? r : { kind: "delivered" as const }));
  },
};
