/**
 * Coarse device class from a user agent — the only thing kept of it (the user agent itself
 * is never stored). Tablets first: many tablet UAs also say "Mobile" or "Android".
 */
export type Device = "desktop" | "mobile" | "tablet";

const TABLET = /iPad|Tablet|Kindle|Silk\/|PlayBook|Nexus (?:7|9|10)\b|SM-T\d|\bTab\b/i;
const MOBILE = /Mobi|iPhone|iPod|Windows Phone|BlackBerry|BB10|Opera Mini|IEMobile|webOS/i;

/** desktop, mobile or tablet; null when there is no user agent to judge. */
export function deviceOf(userAgent: string | null | undefined): Device | null {
  if (!userAgent || userAgent.trim() === "") return null;
  if (TABLET.test(userAgent)) return "tablet";
  // Android phones say "Mobile"; Android without it is a tablet.
  if (/Android/i.test(userAgent)) return /Mobile/i.test(userAgent) ? "mobile" : "tablet";
  if (MOBILE.test(userAgent)) return "mobile";
  return "desktop";
}
