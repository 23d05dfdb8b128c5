import * as v from "valibot";
import { eventName } from "./fields";
import { objectSays, record, say } from "./issues";

/**
 * v1.1 `destinations` of a site (CONTRACT.md "Forwarding"): where its conversions are forwarded.
 * One object schema per platform, chosen by `type`. Only platforms whose wire format is
 * implemented in src/forward/ are accepted: a type listed here is delivered for real.
 * Secret fields are write-only (src/forward/secrets.ts seals them; GET shows them masked).
 */

/** Most destinations of one site. */
export const DESTINATIONS_MAX = 10;
/** Longest platform event name or conversion-action resource name. */
export const MAPPED_NAME_MAX = 200;
/** Longest secret (access tokens run to a few hundred characters). */
export const SECRET_MAX = 2048;
/** Shortest webhook secret: an HMAC key should not be guessable. */
export const WEBHOOK_SECRET_MIN = 16;

/** The destination types accepted (each has its file in src/forward/). */
export const DESTINATION_TYPES = ["webhook", "meta", "google_ads", "tiktok", "linkedin"] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** The secret (write-only) fields of each type. */
export const SECRET_FIELDS: Record<DestinationType, readonly string[]> = {
  webhook: ["secret"],
  meta: ["access_token"],
  google_ads: ["developer_token", "client_secret", "refresh_token"],
  tiktok: ["access_token"],
  linkedin: ["access_token"],
};

const UNKNOWN = say("unknown_field", "Unknown field `{field}`.");
const DEST_ID = say("invalid_destination_id", "A destination `id` is 1–32 characters of a–z, 0–9, '-' or '_'.");
const id = v.pipe(v.string(DEST_ID), v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, DEST_ID));

const secret = (field: string, min = 1) => {
  const m = say("invalid_secret", `\`${field}\` is a string of ${min}–${SECRET_MAX} printable characters.`);
  // A masked value ("••••" + last 4, as GET shows it) stands for the stored secret (src/forward/secrets.ts).
  return v.pipe(v.string(m), v.check((s) => s.startsWith("••••") || s.length >= min, m), v.maxLength(SECRET_MAX, m), v.check((s) => !/[\u0000-\u001f\u007f]/.test(s), m));
};

const MAPPED = say("invalid_events", `\`events\` maps goal names of this site to the platform's event names (1–${MAPPED_NAME_MAX} characters).`);
const events = v.pipe(
  record(eventName(MAPPED), v.pipe(v.string(MAPPED), v.minLength(1, MAPPED), v.maxLength(MAPPED_NAME_MAX, MAPPED)), MAPPED),
  v.check((e) => Object.keys(e).length > 0 && Object.keys(e).length <= 50, say("invalid_events", "`events` maps 1–50 goals.")),
);

const TEST_CODE = say("invalid_test_event_code", "`test_event_code` is the platform's test code (1–64 characters of letters, digits, '-' or '_'), or null.");
const testCode = v.optional(v.nullable(v.pipe(v.string(TEST_CODE), v.regex(/^[A-Za-z0-9_-]{1,64}$/, TEST_CODE))), null);

const URL_MSG = say("invalid_url", "`url` is an absolute https URL (http only for localhost), at most 2048 characters.");
const webhookUrl = v.pipe(
  v.string(URL_MSG),
  v.maxLength(2048, URL_MSG),
  v.check((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "localhost" || u.hostname === "127.0.0.1"));
    } catch {
      return false;
    }
  }, URL_MSG),
);

const PIXEL = say("invalid_pixel_id", "`pixel_id` is the Meta dataset (pixel) id: 5–20 digits.");

const kind = <T extends DestinationType>(type: T) => v.literal(type, say("invalid_destination_type", `\`type\` is one of ${DESTINATION_TYPES.join(", ")}.`));
const says = objectSays(say("invalid_destination", "Each destination is an object with `id`, `type` and `events`."), { unknown: UNKNOWN });
// v.variant needs plain object schemas (not the pipes of issues.ts strictObject); it checks the object itself.

export const WebhookDestination = v.strictObject(
  { id, type: kind("webhook"), events, url: webhookUrl, secret: secret("secret", WEBHOOK_SECRET_MIN), test_event_code: testCode },
  says,
);
export const MetaDestination = v.strictObject(
  { id, type: kind("meta"), events, pixel_id: v.pipe(v.string(PIXEL), v.regex(/^\d{5,20}$/, PIXEL)), access_token: secret("access_token"), test_event_code: testCode },
  says,
);

const CUSTOMER = say("invalid_customer_id", "`{field}` is a Google Ads customer id: 10 digits, without dashes.");
const customerId = v.pipe(v.string(CUSTOMER), v.regex(/^\d{10}$/, CUSTOMER));
const CLIENT_ID = say("invalid_client_id", "`client_id` is the OAuth client id of a Google Cloud project (…apps.googleusercontent.com).");
/** Google Ads has no test code: its test events are never forwarded (there is no `test_event_code`). */
export const GoogleAdsDestination = v.strictObject(
  {
    id,
    type: kind("google_ads"),
    events,
    customer_id: customerId,
    login_customer_id: v.optional(v.nullable(customerId), null),
    developer_token: secret("developer_token"),
    client_id: v.pipe(v.string(CLIENT_ID), v.minLength(1, CLIENT_ID), v.maxLength(256, CLIENT_ID)),
    client_secret: secret("client_secret"),
    refresh_token: secret("refresh_token"),
  },
  says,
);

const PIXEL_CODE = say("invalid_pixel_code", "`pixel_code` is the TikTok pixel code: 10–40 capital letters and digits.");
export const TiktokDestination = v.strictObject(
  { id, type: kind("tiktok"), events, pixel_code: v.pipe(v.string(PIXEL_CODE), v.regex(/^[A-Z0-9]{10,40}$/, PIXEL_CODE)), access_token: secret("access_token"), test_event_code: testCode },
  says,
);

/** LinkedIn has no test code: its test events are never forwarded. `events` values: a conversion rule id or its URN. */
export const LinkedinDestination = v.strictObject({ id, type: kind("linkedin"), events, access_token: secret("access_token") }, says);

export const Destination = v.variant(
  "type",
  [WebhookDestination, MetaDestination, GoogleAdsDestination, TiktokDestination, LinkedinDestination],
  say("invalid_destination_type", `Each destination has a \`type\`: one of ${DESTINATION_TYPES.join(", ")}.`),
);

export const Destinations = v.pipe(
  v.array(Destination, say("invalid_destinations", "`destinations` must be an array.")),
  v.maxLength(DESTINATIONS_MAX, say("too_many", `A site has at most ${DESTINATIONS_MAX} destinations.`)),
);

export type WebhookDestination = v.InferOutput<typeof WebhookDestination>;
export type MetaDestination = v.InferOutput<typeof MetaDestination>;
export type GoogleAdsDestination = v.InferOutput<typeof GoogleAdsDestination>;
export type TiktokDestination = v.InferOutput<typeof TiktokDestination>;
export type LinkedinDestination = v.InferOutput<typeof LinkedinDestination>;
export type Destination = v.InferOutput<typeof Destination>;
