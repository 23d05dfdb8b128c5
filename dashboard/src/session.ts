// Sign-in state: the site id and its read key, kept in sessionStorage only (never a cookie, never
// localStorage): closing the tab forgets them, signing out clears them.
import type { Session } from "./api";

const SITE = "edgetally.site";
const KEY = "edgetally.key";

/**
 * Takes `#site=…&key=…` from the address, stores it, and removes the fragment from the address bar
 * and the history entry at once (contract "The dashboard"). Runs before anything renders.
 */
export function takeFragment(): void {
  const hash = location.hash.slice(1);
  if (!hash) return;
  const f = new URLSearchParams(hash);
  const site = f.get("site");
  const key = f.get("key");
  if (site && key) {
    sessionStorage.setItem(SITE, site.trim());
    sessionStorage.setItem(KEY, key.trim());
  }
  if (f.has("key") || f.has("site")) history.replaceState(history.state, "", location.pathname + location.search);
}

export function loadSession(): Session | null {
  const site = sessionStorage.getItem(SITE);
  const key = sessionStorage.getItem(KEY);
  return site && key ? { site, key } : null;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(SITE, s.site);
  sessionStorage.setItem(KEY, s.key);
}

export function clearSession(): void {
  sessionStorage.removeItem(SITE);
  sessionStorage.removeItem(KEY);
}
