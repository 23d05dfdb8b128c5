import type { CleanEvent } from "../collect/event";
import type { SiteRecord } from "../db/sites";
import { forwardTests } from "../forward/enqueue";
import type { ServerEventExtras } from "../collect/server";

/**
 * Test events (`"test": true`, `t=1` on the pixel, `"t": 1` in a beacon — CONTRACT.md
 * "Collection"): valid events that are shown in the live test view and never stored or counted.
 * Every collection path hands its test events here instead of to storage, with the visitor's
 * client as the hit's request (or `client`) gave it.
 *
 * Forwarding (src/forward/) sends them only to the site's destinations that have a test code,
 * with that code; the IP address, user agent and user fields here go only to those platforms.
 */
export interface TestEvent {
  event: CleanEvent;
  client: { ip: string; userAgent: string } | null;
  /** a server event's forwarding fields (user, click_ids, consent) */
  extras?: ServerEventExtras;
}

export async function handOffTestEvents(env: Env, site: SiteRecord, events: readonly TestEvent[]): Promise<void> {
  const forwarded = events.filter((t) => t.extras?.consent?.ad_user_data !== false);
  await forwardTests(
    env,
    site,
    forwarded.map((t) => ({
      event: t.event,
      forward: { event_id: t.event.event_id, ip: t.client?.ip ?? null, user_agent: t.client?.userAgent ?? null, user: t.extras?.user ?? null, click_ids: t.extras?.click_ids ?? null, consent: t.extras?.consent ?? null },
    })),
  );
}
