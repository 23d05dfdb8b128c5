// Models side by side, funnels, spend and discrepancy, and the privacy panel.
import { useState } from "preact/hooks";
import { MODELS, type Row, type Session, type Stats, funnel, stats } from "./api";
import { count, DASH, MODEL_LABELS, money, ratio } from "./format";
import { useAsync } from "./hooks";
import { LEVELS, levelQuery, rowKey, rowsUnder } from "./levels";
import { type Base, type Crumb, nameOf } from "./table";

/** Conversions of the rows shown under each of the six models: six /v1/stats answers, one table. */
export function Models({ session, base, here }: { session: Session; base: Base; here: Crumb }) {
  const level = LEVELS[here.depth]!;
  const all = useAsync(
    () => Promise.all(MODELS.map((model) => stats(session, levelQuery(here.depth, here.path, { ...base, model })))),
    [session, base.from, base.to, base.goal, here.depth, JSON.stringify(here.path)],
  );
  if (all.error) return <p class="error" role="alert">{all.error.message}</p>;
  if (!all.data) return <p aria-busy="true">Loading the six models…</p>;
  const byModel = all.data.map((a) => new Map(rowsUnder(a.rows, here.path).map((r) => [rowKey(here.depth, r), r])));
  // The rows: last click's, then any row only another model releases.
  const order: Row[] = [];
  const seen = new Set<string>();
  for (const m of byModel) for (const [k, r] of m) if (!seen.has(k)) (seen.add(k), order.push(r));
  const last = byModel[0]!;
  return (
    <section class="card" aria-labelledby="models-h" data-testid="models">
      <h2 id="models-h">Conversions under each attribution model</h2>
      <p class="muted small">
        The same conversions, credited by six rules ({level.plural}, {base.goal ? `goal “${base.goal}”` : "all macro goals"}). Highlighted: where a model credits a row differently from last click. “—”: not
        released on its own under that model (counted in (other)).
      </p>
      <div class="scroll">
        <table class="data" data-testid="models-table">
          <thead>
            <tr>
              <th scope="col">{level.label}</th>
              {MODELS.map((m) => (
                <th scope="col" class="num" key={m}>
                  {MODEL_LABELS[m]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {order.map((r) => {
              const k = rowKey(here.depth, r);
              const base0 = last.get(k)?.conversions;
              return (
                <tr key={k} data-key={JSON.stringify(level.keys.map((c) => r[c] ?? ""))}>
                  <th scope="row">
                    {nameOf(r, level.name)}
                    {level.group === "campaign" && <span class="sub">{`${r.source} / ${r.medium}`}</span>}
                  </th>
                  {MODELS.map((m, i) => {
                    const v = byModel[i]!.get(k)?.conversions;
                    const diff = i > 0 && v !== undefined && base0 !== undefined ? Math.round((v - base0) * 100) / 100 : null;
                    const cls = diff === null || diff === 0 ? "" : diff > 0 ? "more" : "less";
                    return (
                      <td class={`num ${cls}`} data-model={m} data-value={v ?? ""}>
                        {v === undefined ? DASH : count(v)}
                        {diff !== null && diff !== 0 && <span class="diff">{`${diff > 0 ? "+" : "−"}${count(Math.abs(diff))} vs last click`}</span>}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr class="total">
              <th scope="row">Total</th>
              {all.data.map((a, i) => (
                <td class="num" data-model={MODELS[i]} data-value={a.totals.conversions}>
                  {count(a.totals.conversions)}
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

/** A funnel's steps as bars, with the drop-off between steps. */
export function Funnels({ session, base }: { session: Session; base: Base }) {
  const [name, setName] = useState(sessionStorage.getItem("edgetally.funnel") ?? "checkout");
  const [asked, setAsked] = useState(name);
  const f = useAsync(() => (asked ? funnel(session, base.from, base.to, asked) : Promise.resolve(null)), [session, base.from, base.to, asked]);
  const first = f.data?.steps[0]?.visitors ?? 0;
  return (
    <section class="card" aria-labelledby="funnel-h" data-testid="funnel">
      <h2 id="funnel-h">Funnel</h2>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          sessionStorage.setItem("edgetally.funnel", name);
          setAsked(name.trim());
        }}
      >
        <label for="funnel-name">Funnel name</label>
        <input id="funnel-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} autocomplete="off" />
        <button type="submit">Show</button>
      </form>
      <p class="muted small">The funnels are those configured for the site (its admin sets them). Visitors count for a step when they reached it after the previous ones on the same day.</p>
      {f.error ? (
        <p class="error" role="alert" data-testid="funnel-error">
          {f.error.message}
        </p>
      ) : f.data ? (
        <ol class="funnel" data-testid="funnel-steps">
          {f.data.steps.map((s, i) => {
            const prev = i > 0 ? f.data!.steps[i - 1]!.visitors : null;
            const drop = prev ? ((prev - s.visitors) / prev) * 100 : null;
            const w = first ? Math.max(1, (s.visitors / first) * 100) : 0;
            return (
              <li key={i}>
                <span class="step-name">{s.name}</span>
                <span class="bar" aria-hidden="true">
                  <span style={{ width: `${w}%` }} />
                </span>
                <span class="num" data-value={s.visitors}>
                  {count(s.visitors)} visitors
                </span>
                <span class="muted small">{drop === null ? "" : `${drop.toFixed(1)}% dropped off`}</span>
              </li>
            );
          })}
        </ol>
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
    </section>
  );
}

/** Spend per campaign, and the platform's conversion count beside ours. */
export function Spend({ answer }: { answer: Stats }) {
  const c = answer.currency ?? answer.totals.currency ?? "USD";
  const rows = answer.rows.filter((r) => r.cost !== null && r.cost !== undefined);
  const paid = answer.totals.paid;
  return (
    <section class="card" aria-labelledby="spend-h" data-testid="spend">
      <h2 id="spend-h">Spend and discrepancy</h2>
      <p class="muted small">
        Imported ad spend per campaign, and the conversions the ad platform claims beside the ones counted here ({MODEL_LABELS[answer.model]}). A positive discrepancy: the platform claims more than
        this site saw.
      </p>
      {rows.length === 0 ? (
        <p class="empty">No spend imported for this range (POST /v1/spend).</p>
      ) : (
        <div class="scroll">
          <table class="data" data-testid="spend-table">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col" class="num">Cost</th>
                <th scope="col" class="num">Conversions (ours)</th>
                <th scope="col" class="num">Platform's count</th>
                <th scope="col" class="num">Discrepancy</th>
                <th scope="col" class="num">CPA</th>
                <th scope="col" class="num">ROAS</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.source}/${r.medium}/${r.campaign}`}>
                  <th scope="row">
                    {nameOf(r, "campaign")}
                    <span class="sub">{`${r.source} / ${r.medium}`}</span>
                  </th>
                  <td class="num" data-value={r.cost ?? ""}>{money(r.cost, c)}</td>
                  <td class="num" data-value={r.conversions}>{count(r.conversions)}</td>
                  <td class="num" data-value={r.platform_conversions ?? ""}>{count(r.platform_conversions)}</td>
                  <td class={`num ${r.discrepancy ? (r.discrepancy > 0 ? "less" : "more") : ""}`} data-value={r.discrepancy ?? ""}>
                    {r.discrepancy === null || r.discrepancy === undefined ? DASH : `${r.discrepancy > 0 ? "+" : ""}${count(r.discrepancy)}`}
                  </td>
                  <td class="num" data-value={r.cpa ?? ""}>{money(r.cpa, c)}</td>
                  <td class="num" data-value={r.roas ?? ""}>{ratio(r.roas)}</td>
                </tr>
              ))}
            </tbody>
            {paid && (
              <tfoot>
                <tr class="total">
                  <th scope="row">Paid total</th>
                  <td class="num">{money(paid.cost, c)}</td>
                  <td class="num">{count(paid.conversions)}</td>
                  <td class="num">{count(paid.platform_conversions)}</td>
                  <td class="num">{paid.discrepancy === null ? DASH : count(paid.discrepancy)}</td>
                  <td class="num">{money(paid.cpa, c)}</td>
                  <td class="num">{ratio(paid.roas)}</td>
                </tr>
              </tfoot>
            )}
          </table>
        </div>
      )}
    </section>
  );
}

const list = (days: string[] | undefined) => (days && days.length ? days.join(", ") : "none");

/** What the privacy rules did to the numbers on screen, in plain words. */
export function PrivacyPanel({ answer }: { answer: Stats }) {
  const p = answer.privacy;
  const o = answer.other;
  return (
    <section class="card prose" aria-labelledby="privacy-h" data-testid="privacy">
      <h2 id="privacy-h">Privacy: what you see and why</h2>
      <dl class="facts">
        <dt>k</dt>
        <dd data-testid="privacy-k">{p.k}</dd>
        <dt>Noise (epsilon)</dt>
        <dd data-testid="privacy-epsilon">{p.epsilon === null ? "off" : p.epsilon}</dd>
        <dt>Held back on their own</dt>
        <dd data-testid="privacy-suppressed">{p.suppressed}</dd>
        <dt>Released by</dt>
        <dd>{p.period ?? "day"}</dd>
      </dl>
      <p>
        {p.k === 1 ? (
          <>k is 1: thresholds are off for this site (meant for testing), so every campaign shows on its own.</>
        ) : (
          <>
            A number is shown only when it rests on at least <strong>{p.k}</strong> visitors and {p.k} conversions (or none at all), so nobody can work out what one person did.
          </>
        )}{" "}
        {p.suppressed > 0 ? (
          <>
            In this range, <strong>{p.suppressed}</strong> campaign-days were too small to show on their own. They were pooled into <strong>(other)</strong> ({count(o.visitors)} visitors, {count(o.conversions)}{" "}
            conversions), which still counts in every total.
          </>
        ) : (
          <>In this range nothing had to be pooled.</>
        )}
      </p>
      {p.withheld_days && p.withheld_days.length > 0 && (
        <p>
          Withheld entirely, because even pooled the day stayed under k: {list(p.withheld_days)}. Those days count nowhere, not even in the totals.
        </p>
      )}
      {p.partial_periods && p.partial_periods.length > 0 && <p>Weeks or months this range cuts through, left out rather than estimated: {list(p.partial_periods)}.</p>}
      <p>
        {p.epsilon === null
          ? "No random noise is added (epsilon is not set)."
          : `Each released number carries a little random noise (epsilon ${p.epsilon}), so even a comparison of two answers reveals no single visitor. Small differences between views are expected.`}
      </p>
      <p>
        Provisional days (late events can still change them for 7 days): {list(p.provisional_days)}.{p.final_only ? " This site shows finished days only." : ""}
      </p>
    </section>
  );
}
