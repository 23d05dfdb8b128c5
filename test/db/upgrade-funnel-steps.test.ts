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
    "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' AND name NOT LIKE 'up_%' AND name NOT LIKE 'f5_%' AND name NOT LIKE 'snap_%'",
  ).all<{ name: string }>();
  return results.map((r) => r.name);
}

function renamed(sql: string, names: readonly string[]): string {
  return names.reduce((acc, n) => acc.replace(new RegExp(`\\b${n}\\b`, "g"), `f5_${n}`), sql);
}

async function apply(migration: string, names: readonly string[]): Promise<void> {
  const m = env.TEST_MIGRATIONS.find((x) => x.name.startsWith(migration));
  if (!m) throw new Error(`no migration ${migration}`);
  const statements = m.queries.map((q) => q.replace(/--[^\n]*/g, "").trim()).filter(Boolean);
  await env.DB.batch(statements.map((q) => env.DB.prepare(renamed(q, names))));
}

describe("migration 0005 on a database that has funnel days", () => {
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
});
