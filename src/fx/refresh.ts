import { addMissingDays, hasDayRates } from "../db/fx";
import { dayOf } from "../time/day";
import { parseEcbXml } from "./ecb";

/** How long the cron waits for FX_URL before giving up until its next run. */
export const FX_FETCH_TIMEOUT_MS = 10_000;
/** Largest document read from FX_URL (the ECB's 90-day history is ~100 KB). */
export const FX_MAX_BYTES = 2_000_000;

export type Fetcher = (input: string, init?: RequestInit) => Promise<Response>;

export interface RefreshResult {
  /** why nothing was fetched, or null when FX_URL was fetched */
  skipped: "disabled" | "present" | null;
  /** days written (the fetched days that had no rates yet) */
  days: string[];
}

/**
 * The cron's rate check (CONTRACT.md v1.1): when the current UTC day has no rates, fetches
 * FX_URL (ECB reference-rate XML) and files each day under the date the document names. Before
 * the ECB publishes (~16:00 CET), on weekends and on TARGET holidays the document names an
 * earlier day, so the next run fetches again — at most one small GET an hour. An empty FX_URL
 * disables fetching (rates then come only from PUT /v1/admin/fx/:day). Throws on a failed fetch
 * or a document without rates; the caller logs it and the next run retries.
 */
export async function refreshRates(db: D1Database, url: string | undefined, now: number, fetcher: Fetcher = fetch): Promise<RefreshResult> {
  if (!url) return { skipped: "disabled", days: [] };
  if (await hasDayRates(db, dayOf(now, "UTC"))) return { skipped: "present", days: [] };
  const res = await fetcher(url, { headers: { accept: "application/xml, text/xml" }, signal: AbortSignal.timeout(FX_FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`FX_URL answered ${res.status}`);
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > FX_MAX_BYTES) throw new Error(`FX_URL sent ${length} bytes; at most ${FX_MAX_BYTES} are read`);
  const text = await res.text();
  if (text.length > FX_MAX_BYTES) throw new Error(`FX_URL sent more than ${FX_MAX_BYTES} bytes`);
  return { skipped: null, days: await addMissingDays(db, parseEcbXml(text)) };
}
