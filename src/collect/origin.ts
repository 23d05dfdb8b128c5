import { hostMatches, hostOf } from "../sites/domains";

/**
 * The origin rule of browser hits (CONTRACT.md): a hit's origin is its `Origin` header, else its
 * `Referer`, else the host of its page URL `u`; it must be one of the site's domains (or a
 * subdomain, any port). A hit with none of them — an e-mail pixel — passes.
 * `Origin: null` (sandboxed frames, privacy modes) says nothing and is skipped.
 */
export function originHost(origin: string | null, referer: string | null, pageUrl: string | null): string | null {
  if (origin && origin !== "null") return hostOf(origin) ?? origin;
  return hostOf(referer) ?? hostOf(pageUrl);
}

/** True when a hit with these headers and page URL may be counted for a site with `domains`. */
export function originAllowed(domains: readonly string[], origin: string | null, referer: string | null, pageUrl: string | null): boolean {
  const host = originHost(origin, referer, pageUrl);
  return host === null || hostMatches(host, domains);
}
