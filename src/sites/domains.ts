/** Lower-cases and trims a configured domain (a trailing dot is dropped). */
export function normalizeDomain(d: string): string {
  return d.trim().toLowerCase().replace(/\.$/, "");
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** True for a host name, `localhost`, an IPv4 literal or a bracket-less IPv6 literal. */
export function isDomain(d: string): boolean {
  if (d.length === 0 || d.length > 253) return false;
  if (d === "localhost" || IPV4.test(d)) return true;
  if (d.includes(":")) return /^[0-9a-f:.]+$/.test(d) && d.split(":").length >= 3;
  const labels = d.split(".");
  return labels.every((l) => LABEL.test(l)) && /[a-z]/.test(labels[labels.length - 1]!);
}

/**
 * True when `host` (a URL's hostname, any port already removed) is one of `domains`
 * or a subdomain of one. IPv6 hosts may arrive bracketed.
 */
export function hostMatches(host: string, domains: readonly string[]): boolean {
  const h = normalizeDomain(host).replace(/^\[(.*)\]$/, "$1");
  return domains.some((d) => h === d || h.endsWith(`.${d}`));
}

/** The host of a URL-ish string (Origin, Referer, page URL), or null. */
export function hostOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.hostname === "" ? null : u.hostname;
  } catch {
    return null;
  }
}
