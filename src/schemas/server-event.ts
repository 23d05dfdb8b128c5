import * as v from "valibot";
import { TOUCH_FIELD_MAX } from "../collect/touch";
import { EVENT_NAME_MESSAGE, EventCurrency, EventId, eventName, requiredBlankable, Url, Value, time } from "./fields";
import { objectSays, say, strictObject } from "./issues";

/** `POST /v1/events`: `{"events": [ServerEvent, …]}` (CONTRACT.md "Collection"). */

/** Most touches one server event may carry. */
export const TOUCHES_MAX = 50;
/** Most events in one `/v1/events` call. */
export const SERVER_MAX_EVENTS = 500;

const touchText = say("invalid_touch", `\`{field}\` is a string of at most ${TOUCH_FIELD_MAX} characters, or null.`);
const optText = v.nullish(v.pipe(v.string(touchText), v.maxLength(TOUCH_FIELD_MAX, touchText)));

/** One touch of a server event's journey; normalised and scrubbed by collect/server.ts. */
export const ServerTouch = strictObject(
  {
    time: time(say("invalid_touch", "A touch's `time` is unix seconds or an ISO-8601 string.")),
    source: v.pipe(v.nullable(v.pipe(v.string(touchText), v.maxLength(TOUCH_FIELD_MAX, touchText))), v.check((s) => typeof s === "string" && s.trim() !== "", say("invalid_touch", "A touch needs a `source`."))),
    medium: optText,
    campaign: optText,
    content: optText,
    term: optText,
    view: v.nullish(v.boolean(say("invalid_touch", "`view` is true or false."))),
  },
  objectSays(say("invalid_touch", "Each touch is an object with `time` and `source`."), { required: say("invalid_touch", "A touch needs a `{key}`.") }),
);

const clientSays = (text: string) => say("invalid_client", text);
/** The visitor's client as the advertiser's server saw it: for the visitor hash and bot check, never stored. */
export const Client = strictObject(
  {
    ip: v.nullish(v.pipe(v.string(clientSays("`client.ip` is the visitor's IP address as a string.")), v.maxLength(64, clientSays("`client.ip` is the visitor's IP address as a string.")))),
    user_agent: v.nullish(
      v.pipe(
        v.string(clientSays("`client.user_agent` is the visitor's user agent, at most 1024 characters.")),
        v.maxLength(1024, clientSays("`client.user_agent` is the visitor's user agent, at most 1024 characters.")),
      ),
    ),
  },
  objectSays(clientSays("`client` is an object with `ip` and `user_agent`.")),
);

/** A bounded optional text of the v1.1 forwarding fields: never stored, so only shape and size are checked. */
const bounded = (code: string, max: number) => {
  const text = say(code, `\`{field}\` is a string of at most ${max} printable characters, or null.`);
  return v.nullish(v.pipe(v.string(text), v.maxLength(max, text), v.check((s) => !/[\u0000-\u001f\u007f]/.test(s), text)));
};

/** v1.1 `user`: identifiers for forwarding only (hashed before leaving the Worker; never stored or logged). */
export const User = strictObject(
  { email: bounded("invalid_user", 256), phone: bounded("invalid_user", 64), external_id: bounded("invalid_user", 256) },
  objectSays(say("invalid_user", "`user` is an object with `email`, `phone` and `external_id`.")),
);

/** The ad click ids a conversion may carry for forwarding (CONTRACT.md v1.1). */
export const CLICK_ID_KEYS = ["gclid", "gbraid", "wbraid", "fbclid", "fbc", "fbp", "ttclid", "li_fat_id", "twclid", "msclkid"] as const;
/** Longest click id: real ones are ≤ ~200 characters (fbc carries fbclid plus a prefix). */
export const CLICK_ID_MAX = 512;
const clickId = bounded("invalid_click_id", CLICK_ID_MAX);
export const ClickIds = strictObject(
  Object.fromEntries(CLICK_ID_KEYS.map((k) => [k, clickId])) as Record<(typeof CLICK_ID_KEYS)[number], typeof clickId>,
  objectSays(say("invalid_click_ids", `\`click_ids\` is an object with any of ${CLICK_ID_KEYS.join(", ")}.`)),
);

const consentFlag = v.nullish(v.boolean(say("invalid_consent", "`{field}` is true or false.")));
/** v1.1 `consent`: false means the conversion is never forwarded. */
export const Consent = strictObject(
  { ad_user_data: consentFlag, ad_personalization: consentFlag },
  objectSays(say("invalid_consent", "`consent` is an object with `ad_user_data` and `ad_personalization`, each true or false.")),
);

/** One ServerEvent (CONTRACT.md "Collection"). `name` must be there; it may be blank (a pageview). */
export const ServerEvent = strictObject(
  {
    // Nullable, not optional: the key must be there (`required`), though null or "" is a pageview.
    name: requiredBlankable(eventName(EVENT_NAME_MESSAGE)),
    time: v.nullish(time(say("invalid_time", "`time` is unix seconds (a number) or an ISO-8601 string."))),
    event_id: EventId,
    url: Url,
    value: Value,
    currency: EventCurrency,
    touches: v.nullish(
      v.pipe(
        v.array(ServerTouch, say("invalid_touches", "`touches` is an array of touches.")),
        v.maxLength(TOUCHES_MAX, say("too_many_touches", `An event carries at most ${TOUCHES_MAX} touches.`)),
      ),
    ),
    client: v.nullish(Client),
    user: v.nullish(User),
    click_ids: v.nullish(ClickIds),
    consent: v.nullish(Consent),
    test: v.nullish(v.boolean(say("invalid_test", "`test` is true or false."))),
  },
  objectSays(say("invalid_event", "Each event is a JSON object.")),
);
export type ServerEventInput = v.InferOutput<typeof ServerEvent>;

/**
 * The `/v1/events` body. Its events are checked one by one (collect/server.ts), so a bad one
 * never costs the good ones: here each is only "something".
 */
export const EventsBody = strictObject(
  {
    events: v.pipe(
      v.array(v.unknown(), say("invalid_body", 'Send {"events": [ServerEvent, …]}.')),
      v.maxLength(SERVER_MAX_EVENTS, say("too_many_events", `Send at most ${SERVER_MAX_EVENTS} events per call; split larger batches.`)),
    ),
  },
  objectSays(say("invalid_body", 'Send {"events": [ServerEvent, …]}.'), { required: say("invalid_body", 'Send {"events": [ServerEvent, …]}.') }),
);
