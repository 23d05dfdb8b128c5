import type { HierMark, Leaf } from "../privacy/hierarchy";
import type { ReleaseMark } from "../privacy/release";
import type { Grain } from "../time/periods";

/** A touch's content or term when it has none (CONTRACT.md v1.1 "group"). */
export const NONE_LABEL = "(none)";

/**
 * A daily atom (CONTRACT.md "The privacy invariant", v1.1 "below the campaign"): the unit the
 * rollup writes and the only thing the stats API reads, per touch, content and term. goal is a goal
 * name or MACRO_GOAL (all macro goals together); content and term are NONE_LABEL when the touch had
 * none; conversions counts the distinct conversions that gave the atom credit; revenue is in the
 * site's currency. The fields are the release engine's Leaf (privacy/hierarchy.ts) plus the site.
 */
export interface Atom extends Leaf {
  site: string;
  /** the release decided at rollup time (privacy/hierarchy.ts markHierarchy); null/absent = undecided */
  release?: ReleaseMark | null;
  /** the rest of the atom's HierMark (absent = undecided) */
  mark?: Omit<HierMark, "release">;
}

/** How `grain` is stored (0008). */
export const GRAIN_CODE: Record<Grain, number> = { day: 0, week: 1, month: 2 };
export const GRAIN_OF: readonly Grain[] = ["day", "week", "month"];

/** The goal key of atoms that count every macro goal together (stats without `goal=`). */
export const MACRO_GOAL = "(macro)";

/**
 * The view whose atoms are the traffic reference of a day (clicks and visitors are the same in
 * every view; any would do): the API's in-Worker release and the rollup's markDay must use the same.
 */
export const TRAFFIC_VIEW = { goal: MACRO_GOAL, model: "last_click" } as const;

/**
 * Atoms per upsert statement. Each statement binds three parameters (site, day and one JSON
 * array of rows) instead of 13 per row.
 * NOTE: D1 allows at most 100 bound parameters per statement and 2 MB per string; plain
 * multi-row VALUES would fit 7 atoms per statement, so a day of 18,000 atoms would cost 2,600 of
 * the 1,000 queries an invocation may make. One JSON parameter carries a whole chunk.
 * https://developers.cloudflare.com/d1/platform/limits/
 */
export const ATOMS_PER_STATEMENT = 500;

/** The primary key of an atom within its site and day. */
export type AtomKey = Pick<Atom, "source" | "medium" | "campaign" | "content" | "term" | "goal" | "model">;

type AtomRow = [
  string, string, string, string, string, string, string, number, number, number, number, number, string,
  ReleaseMark | null, number | null, string | null, string | null, 0 | 1 | null, 0 | 1 | null,
];

/** revenue_by_currency as stored: a JSON object with sorted keys, so equal sums give equal text. */
export function currencyJson(byCurrency: Record<string, number>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(byCurrency).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * ?1 site, ?2 day, ?3 JSON of AtomRow arrays (atomChunksJson): source, medium, campaign, content,
 * term, goal, model, the counts and money, then the release mark. `WHERE true` lets SQLite read
 * the ON CONFLICT of an INSERT … SELECT as the upsert's (https://sqlite.org/lang_upsert.html).
 */
export const UPSERT_ATOMS_SQL = `
  INSERT INTO atoms (site, day, source, medium, campaign, content, term, goal, model,
                     clicks, visitors, conversions, credit, revenue, revenue_by_currency,
                     release, grain, unit_from, unit_to, content_release, term_release)
  SELECT ?1, ?2, a.value ->> 0, a.value ->> 1, a.value ->> 2, a.value ->> 3, a.value ->> 4, a.value ->> 5, a.value ->> 6,
         a.value ->> 7, a.value ->> 8, a.value ->> 9, a.value ->> 10, a.value ->> 11, a.value ->> 12,
         a.value ->> 13, a.value ->> 14, a.value ->> 15, a.value ->> 16, a.value ->> 17, a.value ->> 18
  FROM json_each(?3) AS a
  WHERE true
  ON CONFLICT (site, day, goal, model, source, medium, campaign, content, term) DO UPDATE SET
    clicks = excluded.clicks, visitors = excluded.visitors, conversions = excluded.conversions,
    credit = excluded.credit, revenue = excluded.revenue, revenue_by_currency = excluded.revenue_by_currency,
    release = excluded.release, grain = excluded.grain, unit_from = excluded.unit_from, unit_to = excluded.unit_to,
    content_release = excluded.content_release, term_release = excluded.term_release`;

/**
 * Idempotent upserts of one site-day's atoms, `perStatement` atoms per statement (3 bound
 * parameters each). Run them in one `db.batch` with `deleteAtomStatements` so readers never
 * see half a day.
 */
export function upsertAtomStatements(db: D1Database, site: string, day: string, atoms: readonly Atom[], perStatement = ATOMS_PER_STATEMENT): D1PreparedStatement[] {
  return atomChunksJson(atoms, perStatement).map((rows) => db.prepare(UPSERT_ATOMS_SQL).bind(site, day, rows));
}

/** The JSON parameter of each upsert statement: at most `perStatement` atoms as row arrays. */
export function atomChunksJson(atoms: readonly Atom[], perStatement = ATOMS_PER_STATEMENT): string[] {
  return chunks(atoms, perStatement).map((chunk) =>
    JSON.stringify(
      chunk.map((a): AtomRow => [
        a.source, a.medium, a.campaign, a.content, a.term, a.goal, a.model, a.clicks, a.visitors, a.conversions, a.credit, a.revenue, currencyJson(a.revenue_by_currency),
        a.release ?? null, a.mark ? GRAIN_CODE[a.mark.grain] : null, a.mark?.unit_from ?? null, a.mark?.unit_to ?? null, a.mark?.content ?? null, a.mark?.term ?? null,
      ]),
    ),
  );
}

/** ?1 site, ?2 day, ?3 JSON [[source, medium, campaign, content, term, goal, model], …]. */
const DELETE_ATOMS_SQL = `
  DELETE FROM atoms
  WHERE site = ?1 AND day = ?2
    AND (source, medium, campaign, content, term, goal, model) IN (
      SELECT k.value ->> 0, k.value ->> 1, k.value ->> 2, k.value ->> 3, k.value ->> 4, k.value ->> 5, k.value ->> 6
      FROM json_each(?3) AS k
    )`;

/** Deletes the given atoms of one site-day (those a rerun no longer produces), chunked like the upsert. */
export function deleteAtomStatements(db: D1Database, site: string, day: string, keys: readonly AtomKey[], perStatement = ATOMS_PER_STATEMENT): D1PreparedStatement[] {
  return chunks(keys, perStatement).map((chunk) =>
    db.prepare(DELETE_ATOMS_SQL).bind(site, day, JSON.stringify(chunk.map((k) => [k.source, k.medium, k.campaign, k.content, k.term, k.goal, k.model]))),
  );
}

const ATOM_KEYS_SQL = `
  SELECT source, medium, campaign, content, term, goal, model
  FROM atoms
  WHERE site = ? AND day = ?`;

/** The keys of the atoms stored for one site-day. */
export async function atomKeys(db: D1Database, site: string, day: string): Promise<AtomKey[]> {
  const { results } = await db
    .prepare(ATOM_KEYS_SQL)
    .bind(site, day)
    .all<AtomKey>();
  return results;
}

/** The key of an atom as one string (for set differences). */
export function atomKeyId(k: AtomKey): string {
  return JSON.stringify([k.source, k.medium, k.campaign, k.content, k.term, k.goal, k.model]);
}

const DAY_ATOMS_SQL = `
  SELECT site, day, source, medium, campaign, content, term, goal, model,
         clicks, visitors, conversions, credit, revenue, revenue_by_currency, release
  FROM atoms
  WHERE site = ? AND day = ?`;

/** Every atom of one site-day, as stored (the re-marking of rollup/release.ts reads them back). */
export async function readDayAtoms(db: D1Database, site: string, day: string): Promise<Atom[]> {
  const { results } = await db
    .prepare(DAY_ATOMS_SQL)
    .bind(site, day)
    .all<Omit<Atom, "revenue_by_currency" | "mark"> & { revenue_by_currency: string }>();
  return results.map((r) => ({ ...r, revenue_by_currency: JSON.parse(r.revenue_by_currency) as Record<string, number> }));
}

/**
 * Statement: the hierarchical marks of some atoms of one site, keyed by day and atom key (the counts
 * are left as they are). An upsert that only ever updates: it selects the existing atoms, so an atom
 * gone since it was read is not brought back. CROSS JOIN keeps json_each the outer loop, one
 * primary-key seek per mark; a plain UPDATE … FROM json_each let SQLite scan every atom of the site
 * once per mark (a 5,000-touch day took minutes to re-mark).
 */
const UPDATE_MARKS_SQL = `
  INSERT INTO atoms (site, day, goal, model, source, medium, campaign, content, term,
                     release, grain, unit_from, unit_to, content_release, term_release)
  SELECT a.site, a.day, a.goal, a.model, a.source, a.medium, a.campaign, a.content, a.term,
         m.value ->> 8, m.value ->> 9, m.value ->> 10, m.value ->> 11, m.value ->> 12, m.value ->> 13
  FROM json_each(?2) AS m
  CROSS JOIN atoms AS a
    ON a.site = ?1 AND a.day = m.value ->> 0 AND a.goal = m.value ->> 1 AND a.model = m.value ->> 2
    AND a.source = m.value ->> 3 AND a.medium = m.value ->> 4 AND a.campaign = m.value ->> 5
    AND a.content = m.value ->> 6 AND a.term = m.value ->> 7
  WHERE true
  ON CONFLICT (site, day, goal, model, source, medium, campaign, content, term) DO UPDATE SET
    release = excluded.release, grain = excluded.grain, unit_from = excluded.unit_from, unit_to = excluded.unit_to,
    content_release = excluded.content_release, term_release = excluded.term_release`;

/**
 * Statements writing the marks of a site's atoms (of any days), `perStatement` atoms each (two
 * bound parameters): the month re-mark of privacy.period "auto" rewrites marks, never counts.
 */
export function updateMarkStatements(db: D1Database, site: string, atoms: readonly Atom[], perStatement = ATOMS_PER_STATEMENT): D1PreparedStatement[] {
  return chunks(atoms, perStatement).map((chunk) =>
    db.prepare(UPDATE_MARKS_SQL).bind(
      site,
      JSON.stringify(
        chunk.map((a) => [
          a.day, a.goal, a.model, a.source, a.medium, a.campaign, a.content, a.term,
          a.release ?? null, a.mark ? GRAIN_CODE[a.mark.grain] : null, a.mark?.unit_from ?? null, a.mark?.unit_to ?? null, a.mark?.content ?? null, a.mark?.term ?? null,
        ]),
      ),
    ),
  );
}

// In key order: a month re-mark resumes at an atom count (rollup/release.ts remarkMonth).
const RANGE_ATOMS_SQL = `
  SELECT site, day, source, medium, campaign, content, term, goal, model,
         clicks, visitors, conversions, credit, revenue, revenue_by_currency
  FROM atoms
  WHERE site = ? AND day BETWEEN ? AND ?
  ORDER BY day, goal, model, source, medium, campaign, content, term`;

/** Every atom of one site over [from, to], in key order (a month re-mark of rollup/release.ts reads them back). */
export async function readRangeAtoms(db: D1Database, site: string, from: string, to: string): Promise<Atom[]> {
  const { results } = await db
    .prepare(RANGE_ATOMS_SQL)
    .bind(site, from, to)
    .all<Omit<Atom, "revenue_by_currency" | "mark" | "release"> & { revenue_by_currency: string }>();
  return results.map((r) => ({ ...r, revenue_by_currency: JSON.parse(r.revenue_by_currency) as Record<string, number> }));
}
