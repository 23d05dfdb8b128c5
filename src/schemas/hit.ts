import * as v from "valibot";
import { EventCurrency, EventId, EventName, Referrer, Url, Value } from "./fields";
import { say } from "./issues";

/**
 * A browser hit: the pixel's query parameters (`/p.gif?s=…`) or one object of a beacon (`/e`),
 * CONTRACT.md "Collection". A page may add parameters of its own (cache busters): `hitFields`
 * leaves them out, so they are ignored. `s` (the site) is read before this, to find the site; `j` (the touch journal) is
 * decoded by collect/journal.ts and `k` (click ids) by collect/clicks.ts, both only for conversions.
 */
export const Hit = v.strictObject({
  s: v.string(),
  n: EventName,
  u: Url,
  r: Referrer,
  v: Value,
  c: EventCurrency,
  i: EventId,
  j: v.optional(v.unknown()),
  /** v1.1: a conversion's ad click ids, for forwarding only; decoded by collect/clicks.ts, and only for conversions. */
  k: v.optional(v.unknown()),
  /** v1.1: a test event (`t=1` on the pixel, `"t": 1` in a beacon); never stored as a hit. */
  t: v.pipe(
    v.optional(v.picklist([0, 1, "0", "1", ""], say("invalid_test", "`t` is 1 for a test event, else 0 or absent."))),
    v.transform((t) => t === 1 || t === "1"),
  ),
});
export type HitInput = v.InferOutput<typeof Hit>;

/** The fields of a hit that `Hit` names (any others are ignored). */
export function hitFields(fields: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k in Hit.entries) if (k in fields) o[k] = fields[k];
  return o;
}
