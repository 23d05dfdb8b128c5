import type { Destination, DestinationType } from "../schemas/destinations";
import { googleAds } from "./google-ads";
import { linkedin } from "./linkedin";
import { meta } from "./meta";
import { tiktok } from "./tiktok";
import type { Platform } from "./types";
import { webhook } from "./webhook";

/** The wire format of each destination type (one file each). */
export const PLATFORMS: { [T in DestinationType]: Platform<Extract<Destination, { type: T }>> } = { webhook, meta, google_ads: googleAds, tiktok, linkedin };

export function platformOf(d: Destination): Platform {
  return PLATFORMS[d.type] as unknown as Platform;
}
