// The campaign table: drill-down source → campaign → content → term, sortable, the (other) row
// explained, and a CSV of exactly the rows and columns shown.
import { useMemo, useState } from "preact/hooks";
import { ApiError, type Figures, type Row, type Session, type Stats, stats } from "./api";
import { count, money, pct, ratio } from "./format";
import { useAsync } from "./hooks";
import { LEVELS, levelQuery, pathOf, rowKey, rowsUnder, type Path } from "./levels";

export interface Column {
  id: keyof Figures;
  label: string;
  show: (r: Figures, currency: string) => string;
}

export const COLUMNS: Column[] = [
  { id: "visitors", label: "Visitors", show: (r) => count(r.visitors) },
  { id: "conversions", label: "Conversions", show: (r) => count(r.conversions) },
  { id: "conversion_rate", label: "Conv. rate", show: (r) => pct(r.conversion_rate) },
  { id: "revenue", label: "Revenue", show: (r, c) => money(r.revenue, c) },
  { id: "cost", label: "Cost", show: (r, c) => money(r.cost, c) },
  { id: "cpa", label: "CPA", show: (r, c) => money(r.cpa, c) },
  { id: "roas", label: "ROAS", show: (r) => ratio(r.roas) },
];

export interface Crumb {
  depth: number;
  path: Path;
  label: string;
}

export interface Base {
  from: string;
  to: string;
  model: string;
  goal?: string;
}

/** One drill-down position: the level shown and the path to it. */
export interface Drill {
  crumbs: Crumb[];
}

export const TOP: Crumb = { depth: 0, path: {}, label: "All sources" };

/** A row's name as shown: the API's "(none)" (no campaign, content or term given) in words. */
export function nameOf(r: Row, col: keyof Row): string {
  const v = String(r[col] ?? "");
  return v === "(none)" && col !== "source" ? `(no ${String(col)})` : v;
}

type Sort = { col: keyof Figures | "name"; dir: 1 | -1 } | null;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV of what the table shows: its key columns and figures, raw numbers, its rows in its order. */
export function tableCsv(keys: string[], rows: { label: Record<string, string>; fig: Figures }[]): string {
  const head = [...keys, ...COLUMNS.map((c) => c.id)];
  const lines = [head.join(",")];
  for (const r of rows) lines.push([...keys.map((k) => csvCell(r.label[k])), ...COLUMNS.map((c) => csvCell(r.fig[c.id]))].join(","));
  return lines.join("\r\n") + "\r\n";
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function CampaignTable({ session, base, drill, onDrill, top }: { session: Session; base: Base; drill: Drill; onDrill: (d: Drill) => void; top: Stats | null }) {
  const here = drill.crumbs[drill.crumbs.length - 1]!;
  const level = LEVELS[here.depth]!;
  const answer = useAsync(() => stats(session, levelQuery(here.depth, here.path, base)), [session, base.from, base.to, base.model, base.goal, here.depth, JSON.stringify(here.path)]);
  const [sort, setSort] = useState<Sort>(null);

  const rows = useMemo(() => {
    const shown = answer.data ? rowsUnder(answer.data.rows, here.path) : [];
    if (!sort) return shown;
    const val = (r: Row) => (sort.col === "name" ? String(r[level.name] ?? "") : (r[sort.col] as number | null | undefined));
    return [...shown].sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1; // no figure: last either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sort.dir;
    });
  }, [answer.data, sort, here]);

  const currency = answer.data?.currency ?? answer.data?.totals.currency ?? "USD";
  const isTop = here.depth === 0;
  const canDrill = here.depth + 1 < LEVELS.length;
  const otherShown = isTop && answer.data && answer.data.other.visitors + answer.data.other.conversions + answer.data.other.revenue > 0;

  const keyCols = level.keys as string[];
  const csvRows = () => {
    const out = rows.map((r) => ({ label: Object.fromEntries(keyCols.map((k) => [k, String(r[k as keyof Row] ?? "")])), fig: r as Figures }));
    if (isTop && answer.data) {
      if (otherShown) out.push({ label: Object.fromEntries(keyCols.map((k) => [k, "(other)"])), fig: answer.data.other });
      out.push({ label: Object.fromEntries(keyCols.map((k) => [k, "(total)"])), fig: answer.data.totals });
    }
    return out;
  };

  const header = (id: keyof Figures | "name", label: string, num: boolean) => {
    const active = sort?.col === id;
    const aria = active ? (sort!.dir === 1 ? "ascending" : "descending") : "none";
    return (
      <th scope="col" class={num ? "num" : ""} aria-sort={aria}>
        <button
          type="button"
          class="sort"
          data-testid={`sort-${id}`}
          onClick={() => setSort(active ? (sort!.dir === -1 ? { col: id, dir: 1 } : null) : { col: id, dir: num ? -1 : 1 })}
        >
          {label}
          <span aria-hidden="true" class="arrow">
            {active ? (sort!.dir === 1 ? "▲" : "▼") : "↕"}
          </span>
        </button>
      </th>
    );
  };

  const unavailable = answer.error instanceof ApiError && answer.error.code === "unknown_group";

  return (
    <section aria-labelledby="table-h" class="card" data-testid="campaign-table">
      <div class="card-head">
        <h2 id="table-h">{level.label === "Source" ? "Sources and campaigns" : `${level.label}s`}</h2>
        <button type="button" class="secondary" data-testid="csv" disabled={!answer.data || unavailable} onClick={() => download(`edgetally-${session.site}-${level.group}-${base.from}-${base.to}.csv`, tableCsv(keyCols, csvRows()))}>
          Download CSV
        </button>
      </div>
      <nav aria-label="Drill-down" class="crumbs">
        <ol>
          {drill.crumbs.map((c, i) => (
            <li key={i}>
              {i < drill.crumbs.length - 1 ? (
                <button type="button" class="link" data-testid={`crumb-${i}`} onClick={() => onDrill({ crumbs: drill.crumbs.slice(0, i + 1) })}>
                  {c.label}
                </button>
              ) : (
                <span aria-current="location">{c.label}</span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      {unavailable ? (
        <p class="notice" data-testid="level-unavailable">
          {level.label}-level rows are not available on this server yet: it reports down to campaigns. They appear here once the server answers <code>group={level.group}</code>.
        </p>
      ) : answer.error ? (
        <p class="error" role="alert">
          {answer.error.message}
        </p>
      ) : (
        <div class="scroll" aria-busy={answer.loading}>
          <table class="data" data-testid="rows">
            <thead>
              <tr>
                {header("name", level.label, false)}
                {COLUMNS.map((c) => header(c.id, c.label, true))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={rowKey(here.depth, r)} data-testid="row">
                  <th scope="row" data-key={JSON.stringify(keyCols.map((k) => r[k as keyof Row] ?? ""))}>
                    {canDrill ? (
                      <button
                        type="button"
                        class="link"
                        data-testid="drill"
                        title={`Show the ${LEVELS[here.depth + 1]!.plural} of ${String(r[level.name])}`}
                        onClick={() => onDrill({ crumbs: [...drill.crumbs, { depth: here.depth + 1, path: pathOf(here.depth, r), label: nameOf(r, level.name) }] })}
                      >
                        {nameOf(r, level.name)}
                      </button>
                    ) : (
                      nameOf(r, level.name)
                    )}
                    {level.group === "campaign" && <span class="sub">{`${r.source} / ${r.medium}`}</span>}
                  </th>
                  {COLUMNS.map((c) => (
                    <td class="num" data-col={c.id} data-value={r[c.id] ?? ""}>
                      {c.show(r, currency)}
                    </td>
                  ))}
                </tr>
              ))}
              {answer.data && rows.length === 0 && (
                <tr>
                  <td colSpan={COLUMNS.length + 1} class="empty">
                    {isTop ? "Nothing released in this range yet." : `No ${level.plural} released on their own here; see (other) one level up.`}
                  </td>
                </tr>
              )}
            </tbody>
            {isTop && answer.data && (
              <tfoot>
                {otherShown && (
                  <tr data-testid="other-row">
                    <th scope="row">
                      (other){" "}
                      <a href="#other-why" class="why">
                        what is this?
                      </a>
                    </th>
                    {COLUMNS.map((c) => (
                      <td class="num" data-col={c.id} data-value={answer.data!.other[c.id] ?? ""}>
                        {c.show(answer.data!.other, currency)}
                      </td>
                    ))}
                  </tr>
                )}
                <tr data-testid="total-row" class="total">
                  <th scope="row">Total</th>
                  {COLUMNS.map((c) => (
                    <td class="num" data-col={c.id} data-value={answer.data!.totals[c.id] ?? ""}>
                      {c.show(answer.data!.totals, currency)}
                    </td>
                  ))}
                </tr>
              </tfoot>
            )}
          </table>
        </div>
      )}
      {isTop && otherShown && top && (
        <p id="other-why" class="muted small" data-testid="other-explained">
          <strong>(other)</strong> adds up the sources and campaigns too small to show on their own: on a day when a source had fewer than {top.privacy.k} visitors or conversions, its numbers go into
          (other) instead of its own row, so that nobody can work out what a handful of people did. Nothing is lost: (other) counts in the total.
        </p>
      )}
      {!isTop && (
        <p class="muted small">
          The {level.plural} here add up to less than their parent's row when some were too small to show on their own; those are counted in (other) on the first level.
        </p>
      )}
    </section>
  );
}
