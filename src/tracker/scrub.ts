/**
 * What the tracker removes before a hit leaves the page (issue 9.8): a pixel's query string — the
 * fallback when sendBeacon refuses — is written to request logs (Workers Logs, Logpush,
 * `wrangler tail`) before the collector scrubs anything, so personal data must not be in it.
 * The collector still scrubs everything itself (src/collect/scrub.ts); this is the same idea in
 * a few bytes (budget), on the URL's text, erring towards removal. Pure: test/tracker/ runs it.
 */

/**
 * `href` (without fragment) with every query parameter whose key names personal data (it contains
 * mail, phone, tel, name, pass or token — wider than the collector's list, at the cost of a
 * harmless `hotel=` in the stored URL) removed, and every e-mail address in a value or path segment
 * emptied (`?ref=` stays, so an utm_* value that was an address arrives blank, which the collector
 * treats as absent, just as it drops such a value itself).
 */
export const scrub = (href: string) =>
  // One pass: a PII key's whole pair (its `?` or `&` kept), or an address (no group: `$1` is empty).
  href.replace(/([?&])([^=&]*(mail|phone|tel|name|pass|token)|[^&]*(@|%40))[^&]*/gi, "$1");
