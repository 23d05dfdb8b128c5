import { base64url } from "../sites/keys";
import { isPiiText } from "./scrub";

/**
 * An event_id that contains an e-mail address or is a phone number (some shops key orders that
 * way) is stored as `h:` + a keyed hash under the site's secret: dedup still works, because
 * every copy hashes alike, but the address itself is never written.
 */
export async function protectEventId(secret: string, eventId: string | null): Promise<string | null> {
  if (eventId === null || !isPiiText(eventId)) return eventId;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(eventId));
  return `h:${base64url(new Uint8Array(mac, 0, 16))}`;
}
