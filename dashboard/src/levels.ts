// The campaign table's drill-down: source → campaign → content → term. Each level is one `group`
// of /v1/stats; a level the server does not know yet (group=content|term before the v1.1
// hierarchical release) answers `unknown_group`, and the table says so instead of drilling.
import type { Row, StatsQuery } from "./api";

export interface Level {
  group: "source" | "campaign" | "content" | "term";
  /** the row's key columns at this level (the API's CSV key columns) */
  keys: (keyof Row)[];
  /** the column a row is named by */
  name: keyof Row;
  label: string;
  plural: string;
}

export const LEVELS: Level[] = [
  { group: "source", keys: ["source"], name: "source", label: "Source", plural: "sources" },
  { group: "campaign", keys: ["source", "medium", "campaign"], name: "campaign", label: "Campaign", plural: "campaigns" },
  { group: "content", keys: ["source", "medium", "campaign", "content"], name: "content", label: "Content", plural: "contents" },
  { group: "term", keys: ["source", "medium", "campaign", "content", "term"], name: "term", label: "Term", plural: "terms" },
];

/** The filters of a drill-down path: the key columns of the row last clicked. */
export type Path = Partial<Record<"source" | "medium" | "campaign" | "content", string>>;

/** The query of the table at `depth` under `path` (filters narrow rows, never privacy units). */
export function levelQuery(depth: number, path: Path, base: { from: string; to: string; model: string; goal?: string }): StatsQuery {
  return { ...base, group: LEVELS[depth]!.group, ...path };
}

/** The API's rows that belong under `path` (also right where the server ignores the filters). */
export function rowsUnder(rows: Row[], path: Path): Row[] {
  return rows.filter((r) => Object.entries(path).every(([k, v]) => r[k as keyof Row] === v));
}

/** The path one level down from `row`. */
export function pathOf(depth: number, row: Row): Path {
  const p: Path = {};
  for (const k of LEVELS[depth]!.keys) if (k !== "term") (p as Record<string, unknown>)[k] = row[k];
  return p;
}

export function rowKey(depth: number, row: Row): string {
  return LEVELS[depth]!.keys.map((k) => String(row[k] ?? "")).join("\u0000");
}
