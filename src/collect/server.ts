import type { Problem } from "../http/errors";
import { parseFields } from "../schemas/issues";
import { isBlank } from "../schemas/fields";
import { ServerEvent, type ServerEventInput } from "../schemas/server-event";
import { canonicalName, goalOf, type SiteConfig } from "../sites/config";
import { dayOf } from "../time/day";
import { isBotAgent } from "./bot";
import { deviceOf } from "./device";
import type { CleanEvent } from "./event";
import { deriveUrlTouch } from "./landing";
import { scrubUrl } from "./scrub";
import { scrubTouch } from "./scrub-touch";
import { normalizeTouch, type Touch } from "./touch";
import { checkEventTime, checkName, resolveMoney } from "./validate";

export { TOUCHES_MAX } from "../schemas/server-event";

/** The visitor's client as the advertiser's server saw it: used for the visitor hash and bot check, never stored. */
export interface ClientHint {
  ip: string;
  userAgent: string;
}

/**
 * The v1.1 fields a server event carries for forwarding and the live test view. They stay in
 * memory: never part of the CleanEvent, so never queued, stored or logged.
 */
export type ServerEventExtras = Pick<ServerEventInput, "user" | "click_ids" | "consent" | "test">;

export interface CheckedServerEvent {
  event: CleanEvent | null;
  problems: Problem[];
  /** both ip and user_agent, when sent: the visitor can be derived */
  client: ClientHint | null;
  /** `"test": true`: shown in the live view, answered as accepted, never stored */
  test: boolean;
  /** user, click_ids, consent, test as sent (validated); never stored */
  extras: ServerEventExtras;
}

/** The journey of a parsed event: sorted by time, normalised, PII-looking fields dropped. */
function journeyOf(touches: NonNullable<ServerEventInput["touches"]>): Touch[] {
  return touches
    .map((t) => scrubTouch(normalizeTouch({ ...t, view: t.view === true })))
    .sort((a, b) => a.time - b.time);
}

/**
 * Checks one ServerEvent (CONTRACT.md, schema in src/schemas/server-event.ts) of `/v1/events` at
 * position `index` and turns it into the event it would store. Pure. Field paths are absolute
 * (`events.3.value`) so a rejection points into the request body. A bot `client.user_agent` is a
 * problem with code `bot`; the calling server's own User-Agent is never looked at.
 */
export function checkServerEvent(raw: unknown, index: number, site: SiteConfig, now: number): CheckedServerEvent {
  const p = `events.${index}`;
  const { value: e, problems, bad } = parseFields(ServerEvent, raw, p);
  if (bad.has("")) return { event: null, problems, client: null, extras: {}, test: false };
  const ok = <K extends keyof ServerEventInput>(k: K): ServerEventInput[K] | undefined => (bad.has(k) ? undefined : e[k]);
  // Another tool's name (`aliases`) becomes the site's own before it is checked and stored.
  const name = isBlank(ok("name")) ? "pageview" : canonicalName(site, e.name as string);
  // An unknown name is the first thing to fix (the hand validator's order).
  if (!bad.has("name")) {
    const unknown: Problem[] = [];
    checkName(unknown, name, site, `${p}.name`);
    problems.unshift(...unknown);
  }
  const ts = checkEventTime(problems, ok("time") ?? null, now, `${p}.time`);
  const url = ok("url") || null;
  const client = ok("client");
  const ip = client?.ip || null;
  const userAgent = client?.user_agent || null;
  if (userAgent !== null && isBotAgent(userAgent)) {
    problems.push({ code: "bot", message: "`client.user_agent` is a bot's; bots are not counted.", field: `${p}.client.user_agent` });
  }
  const goal = goalOf(site, name);
  const value = ok("value");
  const money = resolveMoney(isBlank(value) ? null : value, ok("currency") || null, goal, site.currency);
  const touches = ok("touches");
  const event: CleanEvent = {
    site: site.id,
    day: dayOf(ts, site.timezone),
    ts,
    received_at: now,
    name,
    event_id: ok("event_id") || null,
    via: "server",
    visitor: null,
    url: url ? scrubUrl(url).href : null,
    ...deriveUrlTouch(url),
    value: money.value,
    currency: money.currency,
    journey: goal && touches ? journeyOf(touches) : null,
    // The request's own country and user agent are the calling server's, not the visitor's.
    country: null,
    device: deviceOf(userAgent),
  };
  const extras: ServerEventExtras = { user: ok("user"), click_ids: ok("click_ids"), consent: ok("consent"), test: ok("test") };
  return { event, problems, client: ip !== null && userAgent !== null ? { ip, userAgent } : null, extras, test: extras.test === true };
}
