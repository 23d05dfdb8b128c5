import { destinationCounts } from "../db/forward";
import type { SiteRecord } from "../db/sites";
import { iso } from "../time/day";

/** One destination's status (CONTRACT.md "Forwarding", `GET /v1/admin/sites/:id/destinations`). */
export interface DestinationStatus {
  id: string;
  type: string;
  delivered: number;
  failed: number;
  pending: number;
  expired: number;
  last_delivered_at: string | null;
  last_error: { at: string; status: number; message: string } | null;
}

/** The status of each configured destination, in the site's order. */
export async function destinationStatus(db: D1Database, site: SiteRecord): Promise<DestinationStatus[]> {
  const counts = new Map((await destinationCounts(db, site.config.id)).map((c) => [c.destination, c]));
  return (site.config.destinations ?? []).map((d) => {
    const c = counts.get(d.id);
    return {
      id: d.id,
      type: d.type,
      delivered: c?.delivered ?? 0,
      failed: c?.failed ?? 0,
      pending: c?.pending ?? 0,
      expired: c?.expired ?? 0,
      last_delivered_at: c?.last_delivered_at != null ? iso(c.last_delivered_at) : null,
      last_error: c?.last_error_at != null ? { at: iso(c.last_error_at), status: c.last_error_status ?? 0, message: c.last_error_message ?? "" } : null,
    };
  });
}
