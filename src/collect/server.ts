import { isObject } from "../http/body";
import { invalid, type Problem } from "../http/errors";
import { goalOf, type SiteConfig } from "../sites/config";
import { dayOf, parseTime } from "../time/day";
import { isBotAgent } from "./bot";
import { deviceOf } from "./device";
import type { CleanEvent } from "./event";
import { deriveUrlTouch } from "./landing";
import { scrubUrl } from "./scrub";
import { scrubTouch } from "./scrub-touch";
import { normalizeTouch, type Touch } from "./touch";
import { attempt, parseEventCurrency, parseEventId, parseEventTime, parseName, parseTestFlag, parseUrl, parseValue, resolveMoney } from "./validate";

/** Most touches one server event may carry. */
export const TOUCHES_MAX = 50;
const EVENT_KEYS = ["name", "time", "event_id", "url", "value", "currency", "touches", "client", "test"];
const TOUCH_KEYS = ["time", "source", "medium", "campaign", "content", "term", "view"];

/** The visitor's client as the advertiser's server saw it: used for the visitor hash and bot check, never stored. */
export interface ClientHint {
  ip: string;
  userAgent: string;
}

export interface CheckedServerEvent {
  event: CleanEvent | null;
  problems: Problem[];
  /** both ip and user_agent, when sent: the visitor can be derived */
  client: ClientHint | null;
  /** `"test": true`: shown in the live view, answered as accepted, never stored */
  test: boolean;
}

function onlyKeys(o: Record<string, unknown>, keys: string[], prefix: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw invalid("unknown_field", `Unknown field \`${k}\`.`, `${prefix}.${k}`);
  }
}

function optString(v: unknown, field: string, max = 200): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" || v.length > max) throw invalid("invalid_touch", `\`${field}\` is a string of at most ${max} characters, or null.`, field);
  return v;
}

/** The `touches` of a server event: its journey, sorted by time, PII-looking fields dropped. */
export function parseTouches(v: unknown, field: string): Touch[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw invalid("invalid_touches", "`touches` is an array of touches.", field);
  if (v.length > TOUCHES_MAX) throw invalid("too_many_touches", `An event carries at most ${TOUCHES_MAX} touches.`, field);
  const touches = v.map((t, i) => {
    const f = `${field}.${i}`;
    if (!isObject(t)) throw invalid("invalid_touch", "Each touch is an object with `time` and `source`.", f);
    onlyKeys(t, TOUCH_KEYS, f);
    const time = parseTime(t.time);
    if (time === null) throw invalid("invalid_touch", "A touch's `time` is unix seconds or an ISO-8601 string.", `${f}.time`);
    const source = optString(t.source, `${f}.source`);
    if (source === null || source.trim() === "") throw invalid("invalid_touch", "A touch needs a `source`.", `${f}.source`);
    if (t.view !== undefined && t.view !== null && typeof t.view !== "boolean") throw invalid("invalid_touch", "`view` is true or false.", `${f}.view`);
    return scrubTouch(
      normalizeTouch({
        time,
        source,
        medium: optString(t.medium, `${f}.medium`),
        campaign: optString(t.campaign, `${f}.campaign`),
        content: optString(t.content, `${f}.content`),
        term: optString(t.term, `${f}.term`),
        view: t.view === true,
      }),
    );
  });
  return touches.sort((a, b) => a.time - b.time);
}

function parseClient(v: unknown, field: string): { ip: string | null; userAgent: string | null } {
  if (v === undefined || v === null) return { ip: null, userAgent: null };
  if (!isObject(v)) throw invalid("invalid_client", "`client` is an object with `ip` and `user_agent`.", field);
  onlyKeys(v, ["ip", "user_agent"], field);
  if (v.ip !== undefined && v.ip !== null && (typeof v.ip !== "string" || v.ip.length > 64)) {
    throw invalid("invalid_client", "`client.ip` is the visitor's IP address as a string.", `${field}.ip`);
  }
  if (v.user_agent !== undefined && v.user_agent !== null && (typeof v.user_agent !== "string" || v.user_agent.length > 1024)) {
    throw invalid("invalid_client", "`client.user_agent` is the visitor's user agent, at most 1024 characters.", `${field}.user_agent`);
  }
  return { ip: (v.ip as string | null | undefined) || null, userAgent: (v.user_agent as string | null | undefined) || null };
}

/**
 * Checks one ServerEvent (CONTRACT.md) of `/v1/events` at position `index` and turns it into
 * the event it would store. Pure. Field paths are absolute (`events.3.value`) so a rejection
 * points into the request body. A bot `client.user_agent` is a problem with code `bot`; the
 * calling server's own User-Agent is never looked at.
 */
export function checkServerEvent(raw: unknown, index: number, site: SiteConfig, now: number): CheckedServerEvent {
  const p = `events.${index}`;
  const problems: Problem[] = [];
  if (!isObject(raw)) return { event: null, problems: [{ code: "invalid_event", message: "Each event is a JSON object.", field: p }], client: null, test: false };
  attempt(problems, undefined, () => onlyKeys(raw, EVENT_KEYS, p));
  if (raw.name === undefined) problems.push({ code: "required", message: "`name` is required.", field: `${p}.name` });
  const name = attempt(problems, "pageview", () => parseName(raw.name, site, `${p}.name`));
  const ts = attempt(problems, now, () => parseEventTime(raw.time, now, `${p}.time`));
  const eventId = attempt(problems, null, () => parseEventId(raw.event_id, `${p}.event_id`));
  const url = attempt(problems, null, () => parseUrl(raw.url, `${p}.url`));
  const ownValue = attempt(problems, null, () => parseValue(raw.value, `${p}.value`));
  const ownCurrency = attempt(problems, null, () => parseEventCurrency(raw.currency, `${p}.currency`));
  const touches = attempt(problems, null, () => parseTouches(raw.touches, `${p}.touches`));
  const client = attempt(problems, { ip: null, userAgent: null }, () => parseClient(raw.client, `${p}.client`));
  const test = attempt(problems, false, () => parseTestFlag(raw.test, `${p}.test`));
  if (client.userAgent !== null && isBotAgent(client.userAgent)) {
    problems.push({ code: "bot", message: "`client.user_agent` is a bot's; bots are not counted.", field: `${p}.client.user_agent` });
  }
  const goal = goalOf(site, name);
  const money = resolveMoney(ownValue, ownCurrency, goal, site.currency);
  const event: CleanEvent = {
    site: site.id,
    day: dayOf(ts, site.timezone),
    ts,
    received_at: now,
    name,
    event_id: eventId,
    via: "server",
    visitor: null,
    url: url ? scrubUrl(url).href : null,
    ...deriveUrlTouch(url),
    value: money.value,
    currency: money.currency,
    journey: goal ? touches : null,
    // The request's own country and user agent are the calling server's, not the visitor's.
    country: null,
    device: deviceOf(client.userAgent),
  };
  const hint = client.ip !== null && client.userAgent !== null ? { ip: client.ip, userAgent: client.userAgent } : null;
  return { event, problems, client: hint, test };
}
