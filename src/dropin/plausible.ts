import type { HitFields } from "../collect/hit";
import { isObject } from "../http/body";
import { HttpError } from "../http/errors";

/**
 * Plausible's Events API body (`POST /api/event`, CONTRACT.md v1.1 "Drop-in endpoints") turned into
 * the fields of a native browser hit (`n`, `u`, `r`, `v`, `c`), which then take the beacon's own
 * way: checkHits → bot, origin, GPC and name checks → scrub → queue. Pure.
 *
 * Plausible's keys come long or short (`name`/`n`, `url`/`u`, `domain`/`d`, `referrer`/`r`,
 * `props`/`p`, `revenue`/`$`, `interactive`/`i`). Props are checked against Plausible's own limits
 * and then dropped: edgetally keeps no free-form properties. `interactive` only matters for
 * Plausible's bounce rate and is ignored; so is `h` (hash routing) and `v` (the tracker's version).
 */

/** Plausible's limits: the page URL and the referrer (characters), custom properties per event, a property's key and value. */
export const PLAUSIBLE_URL_MAX = 2000;
export const PLAUSIBLE_PROPS_MAX = 30;
export const PLAUSIBLE_PROP_KEY_MAX = 300;
export const PLAUSIBLE_PROP_VALUE_MAX = 2000;
/** Largest body: two 2,000-character URLs and 30 maximal props fit with room to spare. */
export const PLAUSIBLE_MAX_BYTES = 96 * 1024;
/** Most sites one event may name (`"domain": "a.example,b.example"` records it on each). */
export const PLAUSIBLE_DOMAINS_MAX = 10;

/**
 * Event names Plausible's own tracker sends for its engagement metrics (time on page, scroll
 * depth). They are no pageview and no goal, so they are answered as dropped without being
 * checked or shown in the live view: a page would otherwise fill it with one per page leave.
 */
const INTERNAL_NAMES = new Set(["engagement"]);

export interface PlausibleEvent {
  /** the sites the event names, as sent: each a site id or one of a site's domains */
  domains: string[];
  /** the native hit's fields, without `s` (one hit per resolved site) */
  fields: HitFields;
  /** a Plausible-internal event (engagement): answered, never stored */
  internal: boolean;
}

const bad = (code: string, message: string, field?: string) => new HttpError(400, code, message, field);

/** The value of the long or the short key, the long one first. */
function pick(body: Record<string, unknown>, long: string, short: string): unknown {
  return body[long] !== undefined ? body[long] : body[short];
}

function optionalText(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") throw bad("invalid_field", `\`${field}\` is a string.`, field);
  return v;
}

/** `props` as Plausible takes them: an object or its JSON text, of at most 30 scalar properties. */
function checkProps(raw: unknown): void {
  if (raw === undefined || raw === null || raw === "") return;
  let props = raw;
  if (typeof props === "string") {
    try {
      props = JSON.parse(props);
    } catch {
      throw bad("invalid_props", "`props` is an object of custom properties (or its JSON text).", "props");
    }
  }
  if (!isObject(props)) throw bad("invalid_props", "`props` is an object of custom properties (or its JSON text).", "props");
  const entries = Object.entries(props);
  if (entries.length > PLAUSIBLE_PROPS_MAX) {
    throw bad("too_many_props", `An event carries at most ${PLAUSIBLE_PROPS_MAX} custom properties.`, "props");
  }
  for (const [key, value] of entries) {
    if (key.length > PLAUSIBLE_PROP_KEY_MAX) throw bad("prop_too_long", `A property name is at most ${PLAUSIBLE_PROP_KEY_MAX} characters.`, "props");
    if (value !== null && typeof value === "object") {
      throw bad("invalid_props", "A property's value is a string, number or boolean, not an object or array.", `props.${key.slice(0, 64)}`);
    }
    if (String(value).length > PLAUSIBLE_PROP_VALUE_MAX) {
      throw bad("prop_too_long", `A property's value is at most ${PLAUSIBLE_PROP_VALUE_MAX} characters.`, `props.${key.slice(0, 64)}`);
    }
  }
}

/** `revenue` → value and currency: `{"amount": 49.9 | "49.90", "currency": "EUR"}`. */
function revenueOf(raw: unknown): { v?: unknown; c?: unknown } {
  if (raw === undefined || raw === null) return {};
  const amount = isObject(raw) ? raw.amount : undefined;
  const currency = isObject(raw) ? raw.currency : undefined;
  if ((typeof amount !== "number" && typeof amount !== "string") || typeof currency !== "string") {
    throw bad("invalid_revenue", '`revenue` is {"amount": number or numeric text, "currency": ISO-4217 code}.', "revenue");
  }
  return { v: amount, c: currency };
}

/** The site names of `domain`: a comma-separated list, trimmed, `www.` dropped (as Plausible does). */
function domainsOf(raw: unknown, url: string): string[] {
  let text = raw;
  if (text === undefined || text === null || text === "") {
    // Plausible falls back to the page's host when no domain is sent.
    try {
      text = new URL(url).hostname;
    } catch {
      text = "";
    }
  }
  if (typeof text !== "string") throw bad("invalid_domain", "`domain` is the site's domain (or id) as a string.", "domain");
  const domains = [...new Set(text.split(",").map((d) => d.trim().toLowerCase().replace(/^www\./, "")).filter((d) => d !== ""))];
  if (domains.length === 0) throw bad("missing_domain", "Say which site the event is for with `domain`.", "domain");
  if (domains.length > PLAUSIBLE_DOMAINS_MAX) throw bad("too_many_domains", `\`domain\` names at most ${PLAUSIBLE_DOMAINS_MAX} sites.`, "domain");
  return domains;
}

/**
 * Reads one Events API body. Throws a 400 HttpError (the contract's JSON error) for what
 * Plausible itself refuses: no name, no URL, a URL or referrer over 2,000 characters, props over
 * Plausible's limits, malformed revenue. What a native hit's checks catch (a bad currency, an
 * unknown goal, a bot) is left to them: such an event is answered 202 and dropped.
 */
export function parsePlausible(body: unknown): PlausibleEvent {
  if (!isObject(body)) throw bad("invalid_body", "Send one event as a JSON object: {\"name\", \"url\", \"domain\", …}.");
  const name = pick(body, "name", "n");
  if (typeof name !== "string" || name.trim() === "") throw bad("missing_name", "`name` is required: `pageview` or a goal's name.", "name");
  const url = pick(body, "url", "u");
  if (typeof url !== "string" || url === "") throw bad("missing_url", "`url` is required: the page's URL.", "url");
  if (url.length > PLAUSIBLE_URL_MAX) throw bad("url_too_long", `\`url\` is at most ${PLAUSIBLE_URL_MAX} characters.`, "url");
  const referrer = optionalText(pick(body, "referrer", "r"), "referrer");
  if (referrer !== null && referrer.length > PLAUSIBLE_URL_MAX) {
    throw bad("url_too_long", `\`referrer\` is at most ${PLAUSIBLE_URL_MAX} characters.`, "referrer");
  }
  const domains = domainsOf(pick(body, "domain", "d"), url);
  checkProps(body.props !== undefined ? body.props : body.p !== undefined ? body.p : body.meta !== undefined ? body.meta : body.m);
  const { v, c } = revenueOf(pick(body, "revenue", "$"));
  const fields: HitFields = { n: name, u: url };
  if (referrer !== null) fields.r = referrer;
  if (v !== undefined) fields.v = v;
  if (c !== undefined) fields.c = c;
  return { domains, fields, internal: INTERNAL_NAMES.has(name) };
}

/**
 * The visitor's address: X-Forwarded-For's first entry when present (a server relaying its
 * visitors' events, as Plausible's Events API documents), else the connecting address.
 */
export function plausibleClientIp(request: Request): string {
  const first = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return first ? first : (request.headers.get("cf-connecting-ip") ?? "0.0.0.0");
}
