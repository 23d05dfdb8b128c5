/**
 * Tracked-link codes: 12 characters of base62 from the platform's CSPRNG, about 71 bits, so codes
 * cannot be guessed or enumerated (a code is all it takes to count a click).
 */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const CODE_LENGTH = 12;
const CODE_RE = /^[0-9A-Za-z]{8,32}$/;

/** A fresh random code. Bytes ≥ 248 are rejected so that every character is equally likely (248 = 4 × 62). */
export function newCode(length = CODE_LENGTH): string {
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

/** True for something shaped like a code; anything else is answered 404 without a database read. */
export function isCode(s: string): boolean {
  return CODE_RE.test(s);
}
