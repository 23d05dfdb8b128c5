// Overview: the headline figures beside the previous period's, and the time series.
import { useState } from "preact/hooks";
import type { Figures, Stats } from "./api";
import { Chart } from "./chart";
import { change, count, DASH, money, pct, ratio, rangeLabel, shortDay } from "./format";

interface Kpi {
  id: string;
  label: string;
  value: (t: Stats["totals"]) => number | null | undefined;
  show: (n: number | null | undefined, cur: string) => string;
  /** true where a fall is good news (cost per acquisition) */
  lowerIsBetter?: boolean;
  /** neither good nor bad (spend) */
  neutral?: boolean;
}

// Cost, CPA and ROAS over paid traffic where the API answers `totals.paid` (v1.1), else `totals`.
const paid = (t: Stats["totals"]) => t.paid ?? (t as Figures & { paid?: undefined });

export const KPIS: Kpi[] = [
  { id: "visitors", label: "Visitors", value: (t) => t.visitors, show: (n) => count(n) },
  { id: "conversions", label: "Conversions", value: (t) => t.conversions, show: (n) => count(n) },
  { id: "conversion_rate", label: "Conversion rate", value: (t) => t.conversion_rate, show: (n) => pct(n) },
  { id: "revenue", label: "Revenue", value: (t) => t.revenue, show: (n, c) => money(n, c) },
  { id: "cost", label: "Ad spend", value: (t) => paid(t).cost, show: (n, c) => money(n, c), neutral: true },
  { id: "cpa", label: "CPA", value: (t) => paid(t).cpa, show: (n, c) => money(n, c), lowerIsBetter: true },
  { id: "roas", label: "ROAS", value: (t) => paid(t).roas, show: (n) => ratio(n) },
];

function Delta({ cur, prev, kpi }: { cur: number | null | undefined; prev: number | null | undefined; kpi: Kpi }) {
  const d = change(cur, prev);
  if (d === null) return <span class="delta flat">{prev === 0 || prev === null || prev === undefined ? "no earlier figure" : DASH}</span>;
  const up = d > 0;
  const good = kpi.neutral ? null : up !== !!kpi.lowerIsBetter;
  const cls = Math.abs(d) < 0.05 ? "flat" : good === null ? "flat" : good ? "good" : "bad";
  const text = `${Math.abs(d) < 0.05 ? "±0" : (up ? "+" : "−") + Math.abs(d).toFixed(1)}%`;
  return (
    <span class={`delta ${cls}`} data-testid={`kpi-${kpi.id}-change`}>
      <span aria-hidden="true">{Math.abs(d) < 0.05 ? "→" : up ? "▲" : "▼"}</span> {text}
    </span>
  );
}

export function Kpis({ cur, prev }: { cur: Stats; prev: Stats | null }) {
  const c = cur.currency ?? cur.totals.currency;
  return (
    <section aria-labelledby="kpi-h">
      <h2 id="kpi-h" class="sr-only">
        Headline figures
      </h2>
      <ul class="kpis">
        {KPIS.map((k) => {
          const v = k.value(cur.totals);
          const p = prev ? k.value(prev.totals) : undefined;
          return (
            <li class="kpi" key={k.id}>
              <span class="kpi-label">{k.label}</span>
              <span class="kpi-value" data-testid={`kpi-${k.id}`} data-value={v ?? ""}>
                {k.show(v, c ?? "USD")}
              </span>
              <span class="kpi-prev">
                <Delta cur={v} prev={p} kpi={k} />
                <span class="muted" data-testid={`kpi-${k.id}-prev`} data-value={p ?? ""}>
                  {prev ? `${k.show(p, c ?? "USD")} before` : ""}
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      {prev && (
        <p class="muted small">
          Compared with {rangeLabel(prev.from, prev.to)}.{cur.totals.paid ? " Ad spend, CPA and ROAS cover campaigns with imported spend only." : ""}
        </p>
      )}
    </section>
  );
}

export function Series({ answer }: { answer: Stats }) {
  // The table is built when opened: a year of rows nobody asked for is not the first screen's work.
  const [open, setOpen] = useState(false);
  const grain = answer.privacy.period ?? "day";
  const provisional = new Set(answer.privacy.provisional_days);
  return (
    <section aria-labelledby="series-h" class="card">
      <h2 id="series-h">Visitors and conversions</h2>
      <p class="muted small">
        Released by <strong data-testid="series-grain">{grain}</strong>
        {grain === "day" ? "" : grain === "mixed" ? " (small campaigns by week or month, so that no number rests on fewer than k visitors)" : ` (small volumes are released by ${grain}, so that no number rests on fewer than k visitors)`}.
        {answer.privacy.provisional_days.length > 0 && " Shaded days are provisional: late events can still change them for 7 days."}
      </p>
      {answer.rows.length ? <Chart answer={answer} /> : <p class="empty">No released traffic in this range yet.</p>}
      <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>Show as a table</summary>
        {open && (
        <div class="scroll">
          <table class="data" data-testid="series-table">
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="num">
                  Visitors
                </th>
                <th scope="col" class="num">
                  Conversions
                </th>
              </tr>
            </thead>
            <tbody>
              {answer.rows.map((r) => (
                <tr key={r.day}>
                  <th scope="row">
                    {shortDay(r.day!)}
                    {provisional.has(r.day!) && <span class="badge">provisional</span>}
                  </th>
                  <td class="num" data-value={r.visitors}>
                    {count(r.visitors)}
                  </td>
                  <td class="num" data-value={r.conversions}>
                    {count(r.conversions)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        )}
      </details>
    </section>
  );
}
