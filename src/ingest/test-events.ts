import type { CleanEvent } from "../collect/event";
import type { SiteRecord } from "../db/sites";

/**
 * Test events (`"test": true`, `t=1` on the pixel, `"t": 1` in a beacon — CONTRACT.md
 * "Collection"): valid events that are shown in the live test view and never stored or counted.
 * Every collection path hands its test events here instead of to storage, with the visitor's
 * client as the hit's request (or `client`) gave it.
 *
 * SEAM: forwarding (src/forward/) sends these, only to the site's destinations that have a test
 * code, with that code. Until it exists nothing more happens to a test event; the IP address and
 * user agent here go no further (they are for the platforms' match quality, never stored).
 */
export interface TestEvent {
  event: CleanEvent;
  client: { ip: string; userAgent: string } | null;
}

export async function handOffTestEvents(_env: Env, _site: SiteRecord, _events: readonly TestEvent[]): Promise<void> {
  // Nothing is forwarded yet: see the SEAM note above.
}
