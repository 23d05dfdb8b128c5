import { env } from "cloudflare:workers";
import type { CleanEvent } from "../../src/collect/event";

/** A browser user agent isbot lets through. */
export const BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
export const IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
export const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

export interface EventRow {
  rowid: number;
  site: string;
  day: string;
  ts: number;
  received_at: number;
  name: string;
  event_id: string | null;
  via: string;
  visitor: string | null;
  url: string | null;
  touch_kind: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
  value: number | null;
  currency: string | null;
  journey: string | null;
  country: string | null;
  device: string | null;
  msg_id: string | null;
}

/** Every stored event of a site, oldest first. */
export async function eventsOf(site: string): Promise<EventRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM events WHERE site = ? ORDER BY rowid").bind(site).all<EventRow>();
  return results;
}

/**
 * Polls until `site` has at least `n` events (the queue consumer runs after its batch timeout)
 * and returns them; fails after `timeoutMs`.
 */
export async function waitForEvents(site: string, n: number, timeoutMs = 10_000): Promise<EventRow[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await eventsOf(site);
    if (rows.length >= n) return rows;
    if (Date.now() > until) throw new Error(`expected ${n} events for ${site}, found ${rows.length} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A valid CleanEvent with overrides, for write-path tests. */
export function cleanEvent(over: Partial<CleanEvent> = {}): CleanEvent {
  const ts = over.ts ?? Date.now();
  return {
    site: "s",
    day: new Date(ts).toISOString().slice(0, 10),
    ts,
    received_at: ts,
    name: "pageview",
    event_id: null,
    via: "pixel",
    visitor: "v1",
    url: "https://shop.example/",
    touch_kind: "direct",
    source: "direct",
    medium: "(none)",
    campaign: "(none)",
    content: null,
    term: null,
    value: null,
    currency: null,
    journey: null,
    country: "DE",
    device: "desktop",
    ...over,
  };
}
