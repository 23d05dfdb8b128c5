/**
 * PII scrubbing at collection (CONTRACT.md "Rules every collection path keeps"): nothing that
 * looks like an e-mail address or a phone number, and no value of a known personal-data key,
 * ever reaches storage. Scrubbing removes rather than masks, so no partial identifier survives.
 */

/** Query keys whose values are personal data, compared after lower-casing and dropping `-_. []`. */
const PII_KEYS = new Set([
  "email", "mail", "emailaddress", "phone", "phonenumber", "tel", "telephone", "mobile", "cell", "fax",
  "name", "firstname", "lastname", "fullname", "surname", "givenname", "fname", "lname", "username", "user",
  "address", "street", "address1", "address2", "zip", "zipcode", "postcode", "postalcode",
  "token", "accesstoken", "idtoken", "refreshtoken", "auth", "authorization", "apikey", "key", "secret", "code",
  "password", "pass", "passwd", "pwd", "ssn", "dob", "birthday", "birthdate", "iban", "creditcard", "cardnumber", "cc", "cvv",
]);
/**
 * Per-click and per-subscriber identifiers: not PII by themselves, but they let a stored URL be
 * joined with an ad platform's or mailer's records of a person. The landing touch is derived
 * before scrubbing, so dropping them loses nothing we report.
 */
const IDENTIFIER_KEYS = new Set([
  "gclid", "gbraid", "wbraid", "dclid", "msclkid", "fbclid", "ttclid", "li_fat_id", "twclid", "yclid",
  "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "igshid", "epik",
]);
/** Substrings that mark a key as personal data wherever they appear (`customer_email`, `reset_token`). */
const PII_KEY_PARTS = ["email", "phone", "password", "passwd", "token", "secret", "ssn"];

const EMAIL_RE = /[^\s@/?#&=:;,<>()"']+@[^\s@/?#&=:;,<>()"']+\.[a-z]{2,}/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const PHONE_SHAPE = /^(?:tel:)?\+?[\d\s().\-/]{7,25}$/i;
/**
 * What makes a run of digits a phone number rather than an identifier (CONTRACT.md v1.1): a
 * leading `+` or `tel:`, or digits grouped by spaces, dashes, dots, slashes or parentheses. A
 * bare run of digits is an id — an ad platform's campaign, ad group, creative or keyword id
 * (ValueTrack `{campaignid}`, Microsoft `{CampaignId}`, Meta `{{campaign.id}}`) — and imported
 * spend is keyed by it, so scrubbing it would make spend never match.
 */
const PHONE_MARK = /^(?:tel:|\+)|\d[\s().\-/]+\d|^\(/i;

/** True when the text contains an e-mail address. */
export function hasEmail(text: string): boolean {
  return EMAIL_RE.test(text);
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * True when the whole text looks like a phone number: 7–15 digits with a leading `+` (or `tel:`)
 * or grouped by spaces, dashes, dots, slashes or brackets. Digits alone are an identifier, not a phone.
 */
export function looksLikePhone(text: string): boolean {
  const t = text.trim();
  // An IPv4 literal (a referrer host such as 127.0.0.1) has the shape of a dotted phone number but is not one.
  if (!PHONE_SHAPE.test(t) || !PHONE_MARK.test(t) || ISO_DATE.test(t) || IPV4_RE.test(t)) return false;
  const digits = t.replace(/\D/g, "").length;
  return digits >= 7 && digits <= 15;
}

/** True when a free-text value must not be stored (contains an e-mail or is phone-shaped; digits alone are kept). */
export function isPiiText(text: string): boolean {
  return hasEmail(text) || looksLikePhone(text);
}

/** True for a query key that names personal data. */
export function isPiiKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_.\s[\]]/g, "");
  return PII_KEYS.has(k) || PII_KEY_PARTS.some((p) => k.includes(p));
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Returns a copy of `url` safe to store: no credentials, no fragment (it may carry tokens and is
 * never needed for attribution), no query parameter with a PII key or a PII-looking key or value,
 * no click or subscriber identifier (gclid, fbclid, mc_eid…), and no path segment containing an e-mail address (replaced by `redacted`).
 */
export function scrubUrl(url: URL): URL {
  const out = new URL(url.href);
  out.username = "";
  out.password = "";
  out.hash = "";
  const kept = new URLSearchParams();
  for (const [k, v] of url.searchParams) {
    if (isPiiKey(k) || IDENTIFIER_KEYS.has(k.toLowerCase()) || isPiiText(k) || isPiiText(v)) continue;
    kept.append(k, v);
  }
  const search = kept.toString();
  out.search = search === "" ? "" : `?${search}`;
  if (out.pathname.includes("@") || out.pathname.includes("%40")) {
    out.pathname = out.pathname
      .split("/")
      .map((seg) => (hasEmail(decode(seg)) ? "redacted" : seg))
      .join("/");
  }
  return out;
}
