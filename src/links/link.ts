import { isObject } from "../http/body";
import { invalid } from "../http/errors";
import { hostMatches } from "../sites/domains";
import { TOUCH_FIELD_MAX } from "../collect/touch";

/** A tracked link's campaign data and where it leads (one `links` row without its code and site). */
export interface LinkSpec {
  destination: string;
  source: string;
  medium: string;
  campaign: string;
  content: string | null;
  term: string | null;
}

export const DESTINATION_MAX = 2048;
const FIELDS = new Set(["destination", "source", "medium", "campaign", "content", "term"]);
const UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"] as const;

/**
 * Why a destination may not be redirected to, or null when it may: it must be an absolute http(s)
 * URL without credentials, on one of the site's domains (or their subdomains). Checked when a link
 * is created and again on every click, so a link stops redirecting once its host leaves the
 * site's domains: /l/:code is never an open redirect.
 */
export function destinationProblem(destination: string, domains: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return "`destination` must be an absolute URL.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "`destination` must be an http or https URL.";
  if (url.username !== "" || url.password !== "") return "`destination` must not carry a user name or password.";
  if (!hostMatches(url.hostname, domains)) return `\`destination\` must be on one of the site's domains (${domains.join(", ")}).`;
  return null;
}

function text(body: Record<string, unknown>, key: string, required: boolean): string | null {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw invalid("required", `\`${key}\` is required.`, key);
    return null;
  }
  if (typeof v !== "string") throw invalid("invalid_type", `\`${key}\` must be a string.`, key);
  const t = v.trim();
  if (t === "") {
    if (required) throw invalid("required", `\`${key}\` must not be empty.`, key);
    return null;
  }
  if (t.length > TOUCH_FIELD_MAX) throw invalid("too_long", `\`${key}\` is longer than ${TOUCH_FIELD_MAX} characters.`, key);
  return t;
}

/**
 * Validates a POST /v1/links body for a site with `domains`. Sources and mediums are stored
 * lower-cased and campaigns as given (CONTRACT.md "Conventions"), so the landing touch the
 * collector derives from the redirect's utm_* is exactly the link's and clicks meet visitors.
 */
export function parseLink(body: unknown, domains: readonly string[]): LinkSpec {
  if (!isObject(body)) throw invalid("invalid_body", "Send the link as a JSON object.");
  for (const k of Object.keys(body)) {
    if (!FIELDS.has(k)) throw invalid("unknown_field", `Unknown field \`${k}\`.`, k);
  }
  if (typeof body.destination !== "string" || body.destination.trim() === "") {
    throw invalid("required", "`destination` is required: the URL the link leads to.", "destination");
  }
  const destination = body.destination.trim();
  if (destination.length > DESTINATION_MAX) throw invalid("too_long", `\`destination\` is longer than ${DESTINATION_MAX} characters.`, "destination");
  const problem = destinationProblem(destination, domains);
  if (problem) throw invalid("invalid_destination", problem, "destination");
  return {
    destination: new URL(destination).href,
    source: text(body, "source", true)!.toLowerCase(),
    medium: text(body, "medium", true)!.toLowerCase(),
    campaign: text(body, "campaign", true)!,
    content: text(body, "content", false),
    term: text(body, "term", false),
  };
}

/**
 * The URL a click on `link` is sent to: its destination with the link's utm_* parameters, any
 * utm_* already in the destination replaced (content and term removed when the link has none),
 * or null when the destination is refused (see destinationProblem).
 */
export function redirectTarget(link: LinkSpec, domains: readonly string[]): string | null {
  if (destinationProblem(link.destination, domains) !== null) return null;
  const url = new URL(link.destination);
  const values = [link.source, link.medium, link.campaign, link.content, link.term];
  UTM.forEach((key, i) => {
    const v = values[i];
    if (v === null || v === undefined) url.searchParams.delete(key);
    else url.searchParams.set(key, v);
  });
  return url.href;
}
