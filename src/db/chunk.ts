/**
 * Splitting multi-row statements to fit D1.
 *
 * NOTE: D1 allows at most 100 bound parameters per statement in production and does NOT
 * enforce it locally (miniflare's SQLite allows far more), so a statement that passes every local
 * test can fail in production. Every multi-row statement is chunked with these helpers.
 * https://developers.cloudflare.com/d1/platform/limits/
 */
export const D1_MAX_PARAMS = 100;

/** Splits `items` into consecutive groups of at most `size` (the last may be shorter). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Most rows of `paramsPerRow` parameters one statement can bind next to `fixedParams` others. */
export function rowsPerStatement(paramsPerRow: number, fixedParams = 0, maxParams = D1_MAX_PARAMS): number {
  const rows = Math.floor((maxParams - fixedParams) / paramsPerRow);
  if (!Number.isInteger(paramsPerRow) || paramsPerRow < 1 || rows < 1) {
    throw new RangeError(`a row of ${paramsPerRow} parameters plus ${fixedParams} fixed ones exceeds ${maxParams}`);
  }
  return rows;
}

/** Groups rows so that each statement binds at most `maxParams` parameters in all. */
export function chunkForParams<T>(rows: readonly T[], paramsPerRow: number, fixedParams = 0, maxParams = D1_MAX_PARAMS): T[][] {
  return chunk(rows, rowsPerStatement(paramsPerRow, fixedParams, maxParams));
}

/** `(?, ?, ?), (?, ?, ?)`: the VALUES list of `rows` rows of `cols` placeholders (no values interpolated). */
export function placeholders(rows: number, cols: number): string {
  const row = `(${Array.from({ length: cols }, () => "?").join(", ")})`;
  return Array.from({ length: rows }, () => row).join(", ");
}
