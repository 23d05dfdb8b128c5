import type { Problem } from "../http/errors";
import type { SiteConfig } from "../sites/config";
import { canonicalName, goalOf } from "../sites/config";
import { isBotAgent } from "./bot";
import { deviceOf } from "./device";
import type { CleanEvent } from "./event";
import { decodeClicks } from "./clicks";
import { decodeJournal } from "./journal";
import type { ClickIds } from "../forward/types";
import { deriveTouch } from "./landing";
import { originAllowed } from "./origin";
import { scrubTouch } from "./scrub-touch";
import { scrubUrl } from "./scrub";
import { hitDayOf } from "./today";
import { isBlank } from "../schemas/fields";
import { Hit, hitFields } from "../schemas/hit";
import { parseFields } from "../schemas/issues";
import { attempt, checkName, resolveMoney } from "./validate";

/** What a browser hit's request says besides its fields (never stored as such). */
export interface HitContext {
  via: "pixel" | "beacon";
  /** receive time, unix ms: a browser hit's event time */
  now: number;
  origin: string | null;
  referer: string | null;
  userAgent: string | null;
  country: string | null;
  /** `Sec-GPC: 1` or `DNT: 1` */
  gpc: boolean;
}

/** The result of checking one hit: the event as it would be stored (visitor not yet derived) and what is wrong with it. */
export interface CheckedHit {
  /** null when the site is unknown */
  event: CleanEvent | null;
  problems: Problem[];
  /** `t=1`: a test event, shown in the live view, never stored */
  test: boolean;
  /** a conversion's click ids (`k`), for forwarding only: never stored */
  clickIds?: ClickIds | null;
  /** when its fbclid was seen (unix ms), for Meta's fbc */
  fbclidAt?: number | null;
  /** what was left out of an otherwise good hit (a bad click id): reported by debug=1, never a reason to drop the hit */
  warnings?: Problem[];
}

/** One field of a hit: a pixel query value or a beacon JSON member. */
export type HitFields = Record<string, unknown>;

/**
 * Checks one browser hit (fields s, n, u, r, v, c, i, j, t — CONTRACT.md "Collection") against its
 * site and turns it into the event it would store. Pure: the visitor hash is filled in later,
 * and only for hits without problems. Bots, foreign origins and (where the site honours it)
 * Sec-GPC/DNT are problems too, so debug=1 says why a hit would not be counted.
 */
export function checkHit(fields: HitFields, site: SiteConfig | null, ctx: HitContext): CheckedHit {
  const problems: Problem[] = [];
  if (typeof fields.s !== "string" || fields.s === "") {
    return { event: null, problems: [{ code: "missing_site", message: "Say which site the hit is for with `s`.", field: "s" }], test: false };
  }
  if (!site) return { event: null, problems: [{ code: "unknown_site", message: `There is no site \`${fields.s}\`.`, field: "s" }], test: false };

  const { value: h, problems: found, bad } = parseFields(Hit, hitFields(fields));
  const ok = <K extends keyof typeof h>(k: K) => (bad.has(k) ? undefined : h[k]);
  const n = ok("n");
  // Another tool's name (`aliases`) becomes the site's own before it is checked and stored.
  const name: string = isBlank(n) ? "pageview" : canonicalName(site, n);
  // The name's problem first, as a report lists the fields in order (n, u, r, v, c, i, j).
  checkName(problems, name, site, "n");
  problems.push(...found);
  const url = ok("u") || null;
  const referrer = ok("r") || null;
  const v = ok("v");
  const ownValue = isBlank(v) ? null : v;
  const ownCurrency = ok("c") || null;
  const eventId = ok("i") || null;
  const goal = goalOf(site, name);
  const journey = goal && fields.j !== undefined && fields.j !== null && fields.j !== "" ? attempt(problems, null, () => decodeJournal(fields.j).map(scrubTouch)) : null;
  // Click ids go with conversions only; a pageview's are ignored.
  const clicks = goal && fields.k !== undefined && fields.k !== null && fields.k !== "" ? decodeClicks(fields.k, ctx.now) : null;

  if (isBotAgent(ctx.userAgent)) problems.push({ code: "bot", message: "The user agent is a bot's; bots are not counted." });
  if (!originAllowed(site.domains, ctx.origin, ctx.referer, typeof fields.u === "string" ? fields.u : null)) {
    problems.push({ code: "foreign_origin", message: "The hit comes from a page outside the site's domains." });
  }
  if (ctx.gpc && site.collect.honor_gpc) {
    problems.push({ code: "gpc", message: "The browser sent Sec-GPC: 1 or DNT: 1 and this site honours it; nothing is stored." });
  }

  const money = resolveMoney(ownValue, ownCurrency, goal, site.currency);
  const touch = deriveTouch(url, referrer, site.domains);
  const event: CleanEvent = {
    site: site.id,
    day: hitDayOf(ctx.now, site.timezone),
    ts: ctx.now,
    received_at: ctx.now,
    name,
    event_id: eventId,
    via: ctx.via,
    visitor: null,
    url: url ? scrubUrl(url).href : null,
    ...touch,
    value: money.value,
    currency: money.currency,
    journey,
    country: ctx.country,
    device: deviceOf(ctx.userAgent),
  };
  return { event, problems, test: ok("t") === true, clickIds: clicks?.click_ids ?? null, fbclidAt: clicks?.fbclid_at ?? null, warnings: clicks?.warnings ?? [] };
}

/** The request side of a browser hit (headers and Cloudflare's coarse country); the IP stays with the caller. */
export function hitContext(request: Request, via: HitContext["via"], now: number): HitContext {
  const country = request.cf?.country;
  return {
    via,
    now,
    origin: request.headers.get("origin"),
    referer: request.headers.get("referer"),
    userAgent: request.headers.get("user-agent"),
    country: typeof country === "string" && country !== "" ? country : null,
    gpc: request.headers.get("sec-gpc") === "1" || request.headers.get("dnt") === "1",
  };
}
