import { invalid } from "../http/errors";
import { SECRET_FIELDS, type Destination } from "../schemas/destinations";

/**
 * Destination credentials at rest (CONTRACT.md "Sites", v1.1 `destinations`): write-only,
 * encrypted with AES-GCM under the Worker secret DESTINATIONS_KEY (32 random bytes, base64), and
 * shown as "••••" + their last 4 characters. A stored secret is `enc1:<last 4, base64url>:<base64
 * of 12-byte IV ‖ ciphertext>`; the destination id and field name are its additional data, so a
 * sealed value cannot be moved to another field or destination.
 * https://developer.mozilla.org/en-US/docs/Web/API/SubtleCrypto/encrypt#aes-gcm
 */

export const MASK = "••••";
const PREFIX = "enc1:";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64url = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const unb64url = (s: string) => new TextDecoder().decode(unb64(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4)));

const NO_KEY =
  "Forwarding needs the Worker secret DESTINATIONS_KEY (32 random bytes, base64: `openssl rand -base64 32`; `wrangler secret put DESTINATIONS_KEY`) to encrypt the destinations' credentials.";

/** The AES-GCM key of DESTINATIONS_KEY; a 422 naming the problem when it is missing or not 32 bytes. */
export async function destinationsKey(keyB64: string | undefined): Promise<CryptoKey> {
  if (keyB64 === undefined || keyB64.trim() === "") throw invalid("destinations_key_missing", NO_KEY, "destinations");
  let raw: Uint8Array;
  try {
    raw = unb64(keyB64.trim());
  } catch {
    raw = new Uint8Array();
  }
  if (raw.byteLength !== 32) throw invalid("destinations_key_invalid", `DESTINATIONS_KEY must be 32 bytes in base64; it is not. ${NO_KEY}`, "destinations");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export const isSealed = (s: unknown): s is string => typeof s === "string" && s.startsWith(PREFIX);

/** The last 4 characters of a sealed secret (what the mask shows). */
function lastFour(sealed: string): string {
  return unb64url(sealed.slice(PREFIX.length).split(":")[0] ?? "");
}

export async function seal(key: CryptoKey, plain: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) }, key, new TextEncoder().encode(plain)));
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(iv);
  out.set(ct, 12);
  return `${PREFIX}${b64url(plain.slice(-4))}:${b64(out)}`;
}

export async function unseal(key: CryptoKey, sealed: string, aad: string): Promise<string> {
  const data = unb64(sealed.slice(PREFIX.length).split(":")[1] ?? "");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: data.slice(0, 12), additionalData: new TextEncoder().encode(aad) }, key, data.slice(12));
  return new TextDecoder().decode(plain);
}

const fieldsOf = (d: Destination) => SECRET_FIELDS[d.type];
const rec = (d: Destination) => d as unknown as Record<string, string>;

/**
 * Seals the secrets of `next` (a create or a PATCH's whole `destinations`). A secret that repeats
 * the masked value GET shows keeps the stored one of the same destination (same id and type);
 * a masked value with nothing stored behind it is refused. No destinations need no key.
 */
export async function sealDestinations(next: readonly Destination[], previous: readonly Destination[], keyB64: string | undefined): Promise<Destination[]> {
  if (next.length === 0) return [];
  const key = await destinationsKey(keyB64);
  return Promise.all(
    next.map(async (d, i) => {
      const out = { ...rec(d) };
      const before = previous.find((p) => p.id === d.id && p.type === d.type);
      for (const f of fieldsOf(d)) {
        const value = out[f]!;
        const stored = before ? rec(before)[f] : undefined;
        if (value.startsWith(MASK)) {
          if (!isSealed(stored) || MASK + lastFour(stored) !== value) {
            throw invalid("invalid_secret", `\`${f}\` repeats a masked value that is not this destination's stored secret; send the secret itself.`, `destinations.${i}.${f}`);
          }
          out[f] = stored;
        } else {
          out[f] = await seal(key, value, `${d.id}.${f}`);
        }
      }
      return out as unknown as Destination;
    }),
  );
}

/** The destinations as GET shows them: each secret "••••" + its last 4 characters. */
export function maskDestinations(ds: readonly Destination[]): Destination[] {
  return ds.map((d) => {
    const out = { ...rec(d) };
    for (const f of fieldsOf(d)) out[f] = isSealed(out[f]) ? MASK + lastFour(out[f]) : MASK;
    return out as unknown as Destination;
  });
}

/** A destination with its secrets decrypted, for one delivery (never stored or logged). */
export async function openDestination<D extends Destination>(d: D, key: CryptoKey): Promise<D> {
  const out = { ...rec(d) };
  for (const f of fieldsOf(d)) out[f] = await unseal(key, out[f]!, `${d.id}.${f}`);
  return out as unknown as D;
}
