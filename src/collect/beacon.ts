import { isObject } from "../http/body";
import { HttpError } from "../http/errors";
import type { HitContext, HitFields } from "./hit";
import { checkHits, type BrowserHit } from "./hits";

/**
 * The beacon's checking, in one place: the body's shape (one hit object or an array of at most
 * 20), then each hit's fields (collect/hit.ts checkHit, schemas/hit.ts). A field the beacon gains
 * is validated in schemas/hit.ts and carried by checkHit's event; only the body's shape is here.
 */

/** Beacon limits (CONTRACT.md "Collection"). */
export const BEACON_MAX_BYTES = 16 * 1024;
export const BEACON_MAX_HITS = 20;

/** The objects of a beacon body: one object or an array of at most 20 (a non-object checks as an empty hit). */
export function beaconHits(body: unknown): HitFields[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length > BEACON_MAX_HITS) throw new HttpError(400, "too_many_hits", `A beacon carries at most ${BEACON_MAX_HITS} hits.`);
  if (list.length === 0) throw new HttpError(400, "invalid_body", "Send a hit object or a non-empty array of them.");
  return list.map((o) => (isObject(o) ? o : {}));
}

/** Checks a parsed beacon body: its shape (a 400 HttpError), then every hit against its site. */
export function checkBeacon(db: D1Database, body: unknown, ctx: HitContext): Promise<BrowserHit[]> {
  return checkHits(db, beaconHits(body), ctx);
}
