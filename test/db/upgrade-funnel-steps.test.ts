import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { releaseFunnel } from "../../src/stats/funnel";

/**
 * An existing deployment upgrading to migration 0005 (funnel_days keeps its steps): funnel rows
 * rolled before it must keep their counts and get the steps their funnel has in the site's config,
 * so the API answers them exactly as before; rows of a funnel no longer configured match nothing.
 * Built in a scratch namespace (every object renamed `f5_…`), as test/db/upgrade.test.ts does.
 * 0005 touches only `sites` and `funnel_days`, which 0001 creates, so 0001 is enough beneath it.
 */

async function objectNames(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' AND name NOT LIKE 'up_%' AND name NOT LIKE 'f5%' AND name NOT LIKE 'snap_%'",
  ).all<{ name: string }>();
  return results.map((r) => r.name);
}

function renamed(sql: string, names: readonly string[], prefix = "f5_"): string {
  return names.reduce((acc, n) => acc.replace(new RegExp(`\\b${n}\\b`, "g"), `${prefix}${n}`), sql);
}

async function apply(migration: string, names: readonly string[], prefix = "f5_"): Promise<void> {
  const m = env.TEST_MIGRATIONS.find((x) => x.name.startsWith(migration));
  if (!m) throw new Error(`no migration ${migration}`);
  const statements = m.queries.map((q) => q.replace(/--[^\n]*/g, "").trim()).filter(Boolean);
  await env.DB.batch(statements.map((q) => env.DB.prepare(renamed(q, names, prefix))));
}

describe("migration 0005 on a database that has data", () => {
  it("keeps every count, gives each row its funnel's configured steps, and leaves unknown funnels unmatched", async () => {
    const names = await objectNames();
    const q = (sql: string) => env.DB.prepare(renamed(sql, names));
    await apply("0001", names);
    const config = {
      id: "shop",
      funnels: [
        { name: "checkout", steps: ["pageview", "signup", "purchase"] },
        { name: "quick", steps: ["pageview", "purchase"] },
      ],
    };
    const rows: [string, string, string, number, number][] = [];
    for (const day of ["2026-10-01", "2026-10-02"]) {
      [500, 40, 12].forEach((n, step) => rows.push(["shop", day, "checkout", step, n]));
      [500, 30].forEach((n, step) => rows.push(["shop", day, "quick", step, n]));
      rows.push(["shop", day, "removed", 0, 99]);
    }
    await env.DB.batch([
      q("INSERT INTO sites (id, config, ingest_key_hash, read_key_hash, secret, created_at, updated_at) VALUES ('shop', ?, 'i', 'r', 's', 1, 2)").bind(JSON.stringify(config)),
      ...rows.map((r) => q("INSERT INTO funnel_days (site, day, funnel, step, visitors) VALUES (?, ?, ?, ?, ?)").bind(...r)),
    ]);

    await apply("0005", names);

    const after = (await q("SELECT site, day, funnel, step, visitors, steps FROM funnel_days ORDER BY day, funnel, step").all<{
      site: string; day: string; funnel: string; step: number; visitors: number; steps: string | null;
    }>()).results;
    expect(after.map((r) => [r.site, r.day, r.funnel, r.step, r.visitors])).toEqual(
      [...rows].sort((a, b) => (a[1] + a[2] + a[3] < b[1] + b[2] + b[3] ? -1 : 1)),
    );
    for (const r of after) {
      const want = config.funnels.find((f) => f.name === r.funnel)?.steps;
      expect(r.steps === null ? null : JSON.parse(r.steps)).toEqual(want ?? null);
    }
    // The API's release reads them as before the upgrade.
    const checkout = releaseFunnel(config.funnels[0]!.steps, after.filter((r) => r.funnel === "checkout"), 10);
    expect(checkout.steps.map((s) => s.visitors)).toEqual([1000, 80, 24]);
    expect(checkout.other_steps_days).toEqual([]);
    const sql = await env.DB.prepare("SELECT sql FROM sqlite_master WHERE name = 'f5_funnel_days'").first<{ sql: string }>();
    expect(sql?.sql).toContain("steps TEXT");
  });

  it("rounds the fractional credit and revenue of epsilon sites' atoms at random, unbiased, and leaves other sites alone", async () => {
    const names = await objectNames();
    const q = (sql: string) => env.DB.prepare(renamed(sql, names, "f5r_"));
    await apply("0001", names, "f5r_");
    const site = (id: string, epsilon: number | null) =>
      q("INSERT INTO sites (id, config, ingest_key_hash, read_key_hash, secret, created_at, updated_at) VALUES (?, ?, ?, ?, 's', 1, 2)").bind(
        id, JSON.stringify({ id, privacy: { k: 10, epsilon, final_only: false }, funnels: [] }), `i-${id}`, `r-${id}`,
      );
    const N = 400;
    const atom = (s: string, i: number) =>
      q(
        `INSERT INTO atoms (site, day, source, medium, campaign, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency)
         VALUES (?, '2026-10-01', 'google', 'cpc', ?, 'purchase', 'linear', 3, 7, 4, ?, ?, ?)`,
      ).bind(s, `c${i}`, 12 + 1 / 3, 250.75, JSON.stringify({ EUR: 250.75, USD: 9.5 }));
    await env.DB.batch([site("noisy", 1), site("plain", null)]);
    for (let i = 0; i < N; i += 100) {
      await env.DB.batch(Array.from({ length: 100 }, (_, j) => [atom("noisy", i + j), atom("plain", i + j)]).flat());
    }

    await apply("0005", names, "f5r_");

    type Row = { site: string; clicks: number; visitors: number; conversions: number; credit: number; revenue: number; revenue_by_currency: string };
    const rows = (await q("SELECT site, clicks, visitors, conversions, credit, revenue, revenue_by_currency FROM atoms").all<Row>()).results;
    const noisy = rows.filter((r) => r.site === "noisy");
    const plain = rows.filter((r) => r.site === "plain");
    expect(noisy).toHaveLength(N);
    for (const r of plain) {
      expect(r).toMatchObject({ credit: 12 + 1 / 3, revenue: 250.75 });
      expect(JSON.parse(r.revenue_by_currency)).toEqual({ EUR: 250.75, USD: 9.5 });
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const eur = noisy.map((r) => (JSON.parse(r.revenue_by_currency) as Record<string, number>).EUR!);
    const usd = noisy.map((r) => (JSON.parse(r.revenue_by_currency) as Record<string, number>).USD!);
    for (const [xs, lo] of [[noisy.map((r) => r.credit), 12], [noisy.map((r) => r.revenue), 250], [eur, 250], [usd, 9]] as const) {
      expect(new Set(xs)).toEqual(new Set([lo, lo + 1]));
    }
    // Unbiased: up with probability equal to the fraction (5σ bounds over 400 atoms).
    expect(Math.abs(mean(noisy.map((r) => r.credit)) - (12 + 1 / 3))).toBeLessThan(0.12);
    expect(Math.abs(mean(noisy.map((r) => r.revenue)) - 250.75)).toBeLessThan(0.11);
    expect(Math.abs(mean(usd) - 9.5)).toBeLessThan(0.125);
    // Counts were whole already and stay as they were.
    expect(noisy.every((r) => r.clicks === 3 && r.visitors === 7 && r.conversions === 4)).toBe(true);
  });
});
