import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

/**
 * An existing deployment upgrading: the migrations before 0003 with atoms and rolled days in
 * them, then 0003 (which rebuilds `atoms` view-first). Built in a scratch namespace (every
 * object renamed `up_…`) beside the suite's own tables, as test/db/schema.test.ts does.
 */

const ATOM_COLUMNS = "site, day, source, medium, campaign, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency";

async function objectNames(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' AND name NOT LIKE 'up_%'",
  ).all<{ name: string }>();
  return [...results.map((r) => r.name), "atoms_0002"];
}

function renamed(sql: string, names: readonly string[]): string {
  return names.reduce((acc, n) => acc.replace(new RegExp(`\\b${n}\\b`, "g"), `up_${n}`), sql);
}

async function apply(migration: string, names: readonly string[]): Promise<void> {
  const m = env.TEST_MIGRATIONS.find((x) => x.name.startsWith(migration));
  if (!m) throw new Error(`no migration ${migration}`);
  const statements = m.queries.map((q) => q.replace(/--[^\n]*/g, "").trim()).filter(Boolean);
  await env.DB.batch(statements.map((q) => env.DB.prepare(renamed(q, names))));
}

describe("migration 0003 on a database that has data", () => {
  it("keeps every atom and rolled day, leaves their release undecided, so the cron marks them", async () => {
    const names = await objectNames();
    // Every name of the schema renamed, table names used as column names included (rollup_days.events).
    const q = (sql: string) => env.DB.prepare(renamed(sql, names));
    await apply("0001", names);
    await apply("0002", names);
    const atoms = Array.from({ length: 40 }, (_, i) => [
      i % 3 ? "shop" : "blog", `2026-10-${String(1 + (i % 9)).padStart(2, "0")}`, ["google", "meta"][i % 2]!, "cpc", `c${i}`,
      i % 4 ? "(macro)" : "purchase", i % 2 ? "linear" : "last_click", i, i * 2, i % 5, (i % 5) / 3, i * 1.25, JSON.stringify({ EUR: i * 1.25 }),
    ]);
    await env.DB.batch([
      ...atoms.map((a) => q(`INSERT INTO atoms (${ATOM_COLUMNS}) VALUES (${a.map(() => "?").join(", ")})`).bind(...a)),
      q("INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at) VALUES ('shop', '2026-10-01', 'done', 7, 7, 1, 2)"),
    ]);
    const read = `SELECT ${ATOM_COLUMNS} FROM atoms ORDER BY site, day, source, medium, campaign, goal, model`;
    const before = (await q(read).all()).results;
    expect(before).toHaveLength(40);

    await apply("0003", names);

    expect((await q(read).all()).results).toEqual(before);
    const marks = await q("SELECT COUNT(*) AS n FROM atoms WHERE release IS NOT NULL").first<{ n: number }>();
    expect(marks?.n).toBe(0);
    expect(await q("SELECT status, cursor, events AS n, release_k FROM rollup_days").all().then((r) => r.results)).toEqual([
      { status: "done", cursor: 7, n: 7, release_k: null },
    ]);
    // The copy is gone and the new key is view-first.
    const left = await env.DB.prepare("SELECT name FROM sqlite_master WHERE name = 'up_atoms_0002'").first();
    expect(left).toBeNull();
    const sql = await env.DB.prepare("SELECT sql FROM sqlite_master WHERE name = 'up_atoms'").first<{ sql: string }>();
    expect(sql?.sql).toContain("PRIMARY KEY (site, day, goal, model, source, medium, campaign)");
  });
});
