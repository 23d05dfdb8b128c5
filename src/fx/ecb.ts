import type { DayRates } from "./rates";
import { FX_MAX_RATE } from "./rates";
import { isDay } from "../time/day";

/**
 * The European Central Bank's reference rates as XML (the default FX_URL,
 * https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml; the 90-day and full history
 * files have the same shape with one dated Cube per day):
 *
 *   <gesmes:Envelope …><Cube><Cube time='2026-11-27'><Cube currency='USD' rate='1.0832'/>…</Cube></Cube></gesmes:Envelope>
 *
 * Rates are units of the currency per euro. Parsed with patterns rather than an XML parser
 * (Workers have no DOMParser): only `Cube` elements are read, attributes in any order and with
 * either quote; anything that is not a well-formed code and a positive rate is skipped.
 */

/** Most days kept from one document (the full history file holds decades): the newest ones. */
export const ECB_MAX_DAYS = 100;

const CUBE = /<Cube\b([^>]*)>/g;
const ATTR = /([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(ATTR)) out[m[1]!] = m[2] ?? m[3] ?? "";
  return out;
}

/** The days of an ECB reference-rate document, newest first (at most ECB_MAX_DAYS). Throws when it holds none. */
export function parseEcbXml(xml: string): DayRates[] {
  const days: DayRates[] = [];
  let current: DayRates | null = null;
  for (const m of xml.matchAll(CUBE)) {
    const a = attributes(m[1]!);
    if (a.time !== undefined) {
      current = isDay(a.time) ? { day: a.time, base: "EUR", rates: { EUR: 1 } } : null;
      if (current) days.push(current);
    } else if (current && a.currency !== undefined && a.rate !== undefined) {
      const rate = Number(a.rate);
      if (/^[A-Z]{3}$/.test(a.currency) && a.currency !== "EUR" && /^\d+(\.\d+)?$/.test(a.rate.trim()) && rate > 0 && rate <= FX_MAX_RATE) {
        current.rates[a.currency] = rate;
      }
    }
  }
  const useful = days.filter((d) => Object.keys(d.rates).length > 1);
  if (useful.length === 0) throw new Error("no dated rates (<Cube time='YYYY-MM-DD'><Cube currency='USD' rate='…'/>) in the document");
  return useful.sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0)).slice(0, ECB_MAX_DAYS);
}
