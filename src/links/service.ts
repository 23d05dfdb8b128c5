import { countClick, getLink, insertLink, type LinkRecord } from "../db/links";
import type { SiteRecord } from "../db/sites";
import { isBotAgent } from "../collect/bot";
import { HttpError } from "../http/errors";
import { visitorFor } from "../privacy/visitor";
import { getSiteCached } from "../sites/cache";
import { dayOf } from "../time/day";
import { isCode, newCode } from "./code";
import { parseLink, redirectTarget } from "./link";

/** Creates a tracked link for `site`; returns its code. A code collision (about 2^-71) draws again. */
export async function createLink(db: D1Database, site: SiteRecord, body: unknown, now = Date.now()): Promise<string> {
  const spec = parseLink(body, site.config.domains);
  for (let attempt = 0; attempt < 3; attempt++) {
    const code = newCode();
    if (await insertLink(db, { ...spec, code, site: site.config.id, createdAt: now })) return code;
  }
  throw new HttpError(500, "code_exhausted", "Could not draw a free link code; please try again.");
}

export interface Click {
  /** where to send the visitor */
  location: string;
  /** the click to count, or null for a bot (link previews are not clicks) */
  count: Promise<void> | null;
  /** the link and its site, for the live test view */
  link: LinkRecord;
  site: SiteRecord;
}

/**
 * Resolves a click on /l/:code. Unknown codes, deleted sites and destinations no longer inside
 * the site's domains are all a 404: the redirect target only ever comes from the stored link.
 * A visitor's clicks of a link count once per site-local day (the visitor is the same keyed daily
 * hash of IP and user agent as a pageview's; neither is stored), so reloading or scripting the
 * link cannot inflate its clicks.
 */
export async function followCode(db: D1Database, code: string, userAgent: string | null, ip: string, now = Date.now()): Promise<Click> {
  const link = isCode(code) ? await getLink(db, code) : null;
  const site = link ? await getSiteCached(db, link.site, now) : null;
  const location = link && site ? redirectTarget(link, site.config.domains) : null;
  if (!link || !site || !location) throw new HttpError(404, "link_not_found", "There is no tracked link with this code.");
  const count = isBotAgent(userAgent)
    ? null
    : visitorFor(db, site.config, now, ip, userAgent ?? "", now).then((visitor) => countClick(db, link.site, dayOf(now, site.config.timezone), link.code, visitor));
  return { location, count, link, site };
}
