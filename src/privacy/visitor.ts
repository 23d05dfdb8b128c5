import { ensureSalt, findSalt } from "../db/salts";
import type { SiteConfig } from "../sites/config";
import { base64url, randomToken } from "../sites/keys";
import { dayEnd, dayOf } from "../time/day";
import { SALT_GRACE_MS } from "../time/windows";

/**
 * The visitor of a hit: HMAC-SHA-256 (WebCrypto) keyed by the site's random salt of the
 * event's site-local day, over the site, the IP and the user agent, truncated to 128 bits.
 * Without the salt the hash cannot be recomputed, so once the salt is deleted (48 h after its
 * day ends) a day's visitors can no longer be linked to an IP and user agent, nor to another day.
 */

/** How long an isolate trusts its cached copy of a salt (a deleted and re-created site gets a new one). */
const SALT_CACHE_MS = 10 * 60_000;
const VISITOR_BYTES = 16;

interface SaltKey {
  key: CryptoKey;
  expiresAt: number;
}

const cache = new Map<string, { at: number; salt: Promise<SaltKey | null> }>();

/** End of `day` in `tz` plus SALT_GRACE_MS: when the salt of that day must be gone. */
export function saltExpiry(day: string, tz: string): number {
  return dayEnd(day, tz) + SALT_GRACE_MS;
}

function fromBase64url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

/** Imports a stored salt (base64url of 32 random bytes) as an HMAC-SHA-256 key. */
export function importSalt(salt: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", fromBase64url(salt), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

const encoder = new TextEncoder();

/** The keyed visitor hash (base64url, 128 bits) of an IP and user agent on a site, under one day's salt. */
export async function visitorHash(key: CryptoKey, site: string, ip: string, userAgent: string): Promise<string> {
  // NUL separators: no site id, IP or user agent contains one, so the fields cannot run together.
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${site}\u0000${ip}\u0000${userAgent}`));
  return base64url(new Uint8Array(mac, 0, VISITOR_BYTES));
}

async function loadSalt(db: D1Database, site: SiteConfig, day: string, now: number): Promise<SaltKey | null> {
  // Salts are created only for the current site-local day (or the next, for a server event a few
  // minutes ahead); a past day uses its salt while it exists, else has no visitor.
  const row = day >= dayOf(now, site.timezone) ? await ensureSalt(db, site.id, day, randomToken(32), saltExpiry(day, site.timezone)) : await findSalt(db, site.id, day);
  if (!row || row.expires_at <= now) return null;
  return { key: await importSalt(row.salt), expiresAt: row.expires_at };
}

/**
 * The salt key of (site, day), cached per isolate so a warm pixel costs no D1 read; concurrent
 * callers share one load. Null when the day's salt no longer exists (a late server event).
 */
export async function saltKey(db: D1Database, site: SiteConfig, day: string, now = Date.now()): Promise<CryptoKey | null> {
  const id = `${site.id}\u0000${day}`;
  let entry = cache.get(id);
  if (!entry || now - entry.at >= SALT_CACHE_MS) {
    if (cache.size > 10_000) cache.clear();
    entry = { at: now, salt: loadSalt(db, site, day, now) };
    cache.set(id, entry);
    // A failed load must not stick: the next hit tries again.
    const mine = entry;
    mine.salt.catch(() => {
      if (cache.get(id) === mine) cache.delete(id);
    });
  }
  const salt = await entry.salt;
  return salt && salt.expiresAt > now ? salt.key : null;
}

/** The visitor of a hit at `ts` on `site`, or null when that day's salt no longer exists. */
export async function visitorFor(db: D1Database, site: SiteConfig, ts: number, ip: string, userAgent: string, now = Date.now()): Promise<string | null> {
  const key = await saltKey(db, site, dayOf(ts, site.timezone), now);
  return key ? visitorHash(key, site.id, ip, userAgent) : null;
}

/** Forgets every cached salt (tests; a site erased through this isolate). */
export function clearSaltCache(): void {
  cache.clear();
}
