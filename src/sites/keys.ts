/**
 * Site keys: 256 random bits, shown once, stored only as SHA-256 hashes and compared in
 * constant time. A plain (unsalted) hash is enough: the keys are random, not passwords.
 */

export type KeyKind = "ingest" | "read";
const PREFIX: Record<KeyKind, string> = { ingest: "eti_", read: "etr_" };

export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh random secret, base64url-encoded. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new key of the given kind, e.g. `eti_…` (ingest) or `etr_…` (read). */
export function newKey(kind: KeyKind): string {
  return PREFIX[kind] + randomToken(32);
}

/** Hex SHA-256 of a key, as stored. */
export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time string equality (length leaks only when lengths differ, as for any hash). */
export function safeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  if (ea.byteLength !== eb.byteLength) return false;
  return crypto.subtle.timingSafeEqual(ea, eb);
}
