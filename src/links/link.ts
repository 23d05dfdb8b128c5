import { invalid } from "../http/errors";
import { hostMatches } from "../sites/domains";
import { LinkBody } from "../schemas/link";
import { parseOrThrow } from "../schemas/issues";

/** A tracked link's campaign data and where it leads (one `links` row without its code and site). */
export interface LinkSpec {
  destination: string;
  source: string;
  medium: string;
  campaign: string;
  content: string | null;
  term: string | null;
}

export { DESTINATION_MAX } from "../schemas/link";
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

/**
 * Validates a POST /v1/links body (src/schemas/link.ts) for a site with `domains`. Sources and
 * mediums are stored lower-cased and campaigns as given (CONTRACT.md "Conventions"), so the
 * landing touch the collector derives from the redirect's utm_* is exactly the link's and clicks
 * meet visitors.
 */
export function parseLink(body: unknown, domains: readonly string[]): LinkSpec {
  const link = parseOrThrow(LinkBody, body);
  const problem = destinationProblem(link.destination, domains);
  if (problem) throw invalid("invalid_destination", problem, "destination");
  return {
    destination: new URL(link.destination).href,
    source: link.source.toLowerCase(),
    medium: link.medium.toLowerCase(),
    campaign: link.campaign,
    content: link.content || null,
    term: link.term || null,
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
