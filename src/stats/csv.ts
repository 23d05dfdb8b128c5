import type { Figures } from "./figures";

/**
 * CSV of a stats answer (RFC 4180: CRLF line ends, fields with `"`, `,`, CR or LF quoted and
 * inner quotes doubled). Text cells that a spreadsheet would run as a formula (starting with
 * = + - @, tab or CR) get a leading apostrophe.
 * NOTE: OWASP "CSV Injection" — https://owasp.org/www-community/attacks/CSV_Injection.
 * Numbers are written by us and never neutralised, so a negative discrepancy stays a number.
 */

const FIGURE_COLUMNS = ["clicks", "visitors", "conversions", "conversion_rate", "revenue", "currency", "cost", "cpa", "roas", "platform_conversions", "discrepancy"] as const;

/** A text cell made safe for spreadsheets. */
export function neutralise(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field. */
export function field(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? String(v) : neutralise(String(v));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The rows, then `(other)` and `(total)`, under one header. `keys` are the grouping's key
 * columns; every currency seen gets its own revenue_XXX and cost_XXX column (never summed).
 */
export function toCsv(keys: readonly string[], rows: readonly (Record<string, unknown> & Figures)[], other: Figures, totals: Figures): string {
  const all = [...rows, other, totals];
  const currencies = (pick: (f: Figures) => Record<string, number>) => [...new Set(all.flatMap((r) => Object.keys(pick(r))))].sort();
  const revCur = currencies((f) => f.revenue_by_currency);
  const costCur = currencies((f) => f.cost_by_currency);
  const header = [...keys, ...FIGURE_COLUMNS, ...revCur.map((c) => `revenue_${c}`), ...costCur.map((c) => `cost_${c}`)];
  const line = (head: unknown[], f: Figures) =>
    [...head, ...FIGURE_COLUMNS.map((c) => f[c]), ...revCur.map((c) => f.revenue_by_currency[c] ?? 0), ...costCur.map((c) => f.cost_by_currency[c] ?? 0)].map(field).join(",");
  const label = (name: string) => keys.map((_, i) => (i === 0 ? name : ""));
  const lines = [
    header.map(field).join(","),
    ...rows.map((r) => line(keys.map((k) => r[k]), r)),
    line(label("(other)"), other),
    line(label("(total)"), totals),
  ];
  return lines.join("\r\n") + "\r\n";
}
