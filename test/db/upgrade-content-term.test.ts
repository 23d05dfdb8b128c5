import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GRAIN_CODE, TRAFFIC_VIEW, type Atom } from "../../src/db/atoms";
import { markDay } from "../../src/privacy/release";
import { withMarks } from "../../src/rollup/release";

/**
 * An existing deployment upgrading to migration 0008 (atoms per content and term, hierarchical
 * marks): every atom and its release must survive, become content and term '(none)', and carry
 * exactly the marks the rollup's engine (privacy/hierarchy.ts at the day grain) gives the same
 * atoms — so the API answers them as before and no re-mark is needed. Built in a scratch namespace
 * (every object renamed `h8_…`), as test/db/upgrade.test.ts does.
 */

async function objectNames(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' AND name NOT LIKE 'h8_%'",
  ).all<{ name: string }>();
  return [...results.map((r) => r.name), "atoms_0002", "atoms_0007", "spend_0007"];
}

function renamed(sql: string, names: readonly string[]): string {
  return names.reduce((acc, n) => acc.replace(new RegExp(`\\b${n}\\b`, "g"), `h8_${n}`), sql);
}

async function apply(migration: string, names: readonly string[]): Promise<void> {
  const m = env.TEST_MIGRATIONS.find((x) => x.name.startsWith(migration));
  if (!m) throw new Error(`no migration ${migration}`);
  const statements = m.queries.map((q) => q.replace(/--[^\n]*/g, "").trim()).filter(Boolean);
  await env.DB.batch(statements.map((q) => env.DB.prepare(renamed(q, names))));
}

const DAYS = ["2026-10-01", "2026-10-02"];
const TOUCHES = [["google", "cpc", "spring"], ["google", "cpc", "fall"], ["meta", "social", "spring"], ["direct", "(none)", "(none)"]] as const;
const VIEWS = [["(macro)", "last_click"], ["(macro)", "linear"], ["purchase", "last_click"], ["purchase", "linear"]] as const;

/** Atoms of one day as the rollup wrote them before 0008: some clear k = 10, some do not. */
function dayAtoms(site: string, day: string, d: number): Atom[] {
  return TOUCHES.flatMap(([source, medium, campaign], t) =>
    VIEWS.map(([goal, model], v) => {
      const conversions = [12, 3, 0, 25][(t + v + d) % 4]!;
      return {
        site, day, source, medium, campaign, content: "(none)", term: "(none)", goal, model,
        clicks: [40, 0, 7, 0][t]!, visitors: [100, 30, 11 + d, 400][t]!, conversions, credit: conversions / 2, revenue: conversions * 10, revenue_by_currency: { EUR: conversions * 10 },
      };
    }),
  );
}

describe("migration 0008 on a database that has data", () => {
  it("keeps every atom and release, as content and term (none), with the marks the engine gives them at the day grain", async () => {
    const names = await objectNames();
    const q = (sql: string) => env.DB.prepare(renamed(sql, names));
    for (const m of ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]) await apply(m, names);

    const atoms = DAYS.flatMap((day, d) => {
      const a = dayAtoms("shop", day, d);
      const marks = markDay(a, TRAFFIC_VIEW, 10);
      return a.map((x, i) => ({ ...x, release: marks[i]! }));
    });
    // A day not marked yet (release NULL) stays undecided.
    const undecided = dayAtoms("shop", "2026-10-03", 2);
    const cols = "site, day, source, medium, campaign, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency, release";
    await env.DB.batch([
      ...[...atoms, ...undecided.map((a) => ({ ...a, release: null }))].map((a) =>
        q(`INSERT INTO atoms (${cols}) VALUES (${cols.split(",").map(() => "?").join(", ")})`).bind(
          a.site, a.day, a.source, a.medium, a.campaign, a.goal, a.model, a.clicks, a.visitors, a.conversions, a.credit, a.revenue, JSON.stringify(a.revenue_by_currency), a.release,
        ),
      ),
      q("INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k) VALUES ('shop', '2026-10-01', 'done', 7, 7, 1, 2, 10)"),
      q("INSERT INTO spend (site, day, source, medium, campaign, currency, cost, platform_conversions) VALUES ('shop', '2026-10-01', 'google', '', 'spring', 'EUR', 12.5, 3)"),
      q("INSERT INTO spend (site, day, source, medium, campaign, currency, cost, platform_conversions) VALUES ('shop', '2026-10-01', 'google', 'cpc', 'spring', 'USD', 7, NULL)"),
    ]);
    expect(new Set(atoms.map((a) => a.release))).toEqual(new Set([1, 0, -1].filter((r) => atoms.some((a) => a.release === r))));
    expect(atoms.some((a) => a.release === 1) && atoms.some((a) => a.release !== 1)).toBe(true);

    await apply("0008", names);

    const read = `SELECT ${cols}, content, term, grain, unit_from, unit_to, content_release, term_release FROM atoms ORDER BY day, goal, model, source, medium, campaign`;
    const after = (await q(read).all<Record<string, unknown>>()).results;
    expect(after).toHaveLength(atoms.length + undecided.length);
    // The engine's marks for the same atoms (what the rollup now writes), day by day.
    const want = new Map<string, Record<string, unknown>>();
    for (const day of DAYS) {
      for (const a of withMarks(atoms.filter((x) => x.day === day).map(({ release: _r, ...x }) => x), 10)) {
        want.set(JSON.stringify([a.day, a.goal, a.model, a.source, a.medium, a.campaign]), {
          release: a.release, grain: GRAIN_CODE[a.mark!.grain], unit_from: a.mark!.unit_from, unit_to: a.mark!.unit_to, content_release: a.mark!.content, term_release: a.mark!.term,
        });
      }
    }
    for (const r of after) {
      expect(r).toMatchObject({ content: "(none)", term: "(none)" });
      const before = [...atoms, ...undecided].find((a) => a.day === r.day && a.goal === r.goal && a.model === r.model && a.source === r.source && a.campaign === r.campaign && a.medium === r.medium)!;
      expect({ clicks: r.clicks, visitors: r.visitors, conversions: r.conversions, credit: r.credit, revenue: r.revenue }).toEqual({
        clicks: before.clicks, visitors: before.visitors, conversions: before.conversions, credit: before.credit, revenue: before.revenue,
      });
      const marks = { release: r.release, grain: r.grain, unit_from: r.unit_from, unit_to: r.unit_to, content_release: r.content_release, term_release: r.term_release };
      if (r.day === "2026-10-03") expect(marks).toEqual({ release: null, grain: null, unit_from: null, unit_to: null, content_release: null, term_release: null });
      else expect(marks).toEqual(want.get(JSON.stringify([r.day, r.goal, r.model, r.source, r.medium, r.campaign])));
    }
    expect(await q("SELECT day, release_k, release_period FROM rollup_days").all().then((x) => x.results)).toEqual([{ day: "2026-10-01", release_k: 10, release_period: null }]);
    // Spend keeps every row, as campaign-level spend (content and term '').
    expect(await q("SELECT source, medium, campaign, content, term, currency, cost, platform_conversions FROM spend ORDER BY currency").all().then((x) => x.results)).toEqual([
      { source: "google", medium: "", campaign: "spring", content: "", term: "", currency: "EUR", cost: 12.5, platform_conversions: 3 },
      { source: "google", medium: "cpc", campaign: "spring", content: "", term: "", currency: "USD", cost: 7, platform_conversions: null },
    ]);
    for (const t of ["h8_atoms_0007", "h8_spend_0007"]) expect(await env.DB.prepare("SELECT name FROM sqlite_master WHERE name = ?").bind(t).first()).toBeNull();
    const left = await env.DB.prepare("SELECT name FROM sqlite_master WHERE name = 'h8_atoms_0007'").first();
    expect(left).toBeNull();
    const sql = await env.DB.prepare("SELECT sql FROM sqlite_master WHERE name = 'h8_atoms'").first<{ sql: string }>();
    expect(sql?.sql).toContain("PRIMARY KEY (site, day, goal, model, source, medium, campaign, content, term)");
  });
});
