import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { atomChunksJson, atomKeys, deleteAtomStatements, upsertAtomStatements, UPSERT_ATOMS_SQL, type Atom } from "../../src/db/atoms";

function atom(i: number, extra: Partial<Atom> = {}): Atom {
  return {
    site: "sql", day: "2026-11-02", source: `s${i}`, medium: "cpc", campaign: "c", content: "(none)", term: "(none)", goal: "(macro)", model: "linear",
    clicks: i, visitors: 2 * i, conversions: 1, credit: 1 / 3, revenue: 0.1 + 0.2, revenue_by_currency: { USD: 0.1 + 0.2, EUR: 2 / 7 }, ...extra,
  };
}

describe("atom upsert SQL", () => {
  it("round-trips doubles exactly through the JSON parameter", async () => {
    const db = env.DB;
    await db.batch(upsertAtomStatements(db, "sql", "2026-11-02", [atom(1)]));
    const row = await db.prepare("SELECT credit, revenue, revenue_by_currency FROM atoms WHERE site = 'sql'").first<{ credit: number; revenue: number; revenue_by_currency: string }>();
    expect(row!.credit).toBe(1 / 3);
    expect(row!.revenue).toBe(0.1 + 0.2);
    expect(JSON.parse(row!.revenue_by_currency)).toEqual({ EUR: 2 / 7, USD: 0.1 + 0.2 });
    expect(row!.revenue_by_currency.indexOf("EUR")).toBeLessThan(row!.revenue_by_currency.indexOf("USD"));
  });
});

describe("atom upsert chunking", () => {
  const many = (n: number, extra: Partial<Atom> = {}) => Array.from({ length: n }, (_, i) => atom(i, { site: "chunk", ...extra }));

  it("splits into statements of at most `perStatement` atoms, each far under D1's 100 bound parameters", () => {
    expect(upsertAtomStatements(env.DB, "chunk", "2026-11-02", many(1234), 100)).toHaveLength(13);
    const parts = atomChunksJson(many(1234));
    expect(parts.map((p) => (JSON.parse(p) as unknown[]).length)).toEqual([500, 500, 234]);
    // Each statement binds ?1 site, ?2 day and ?3 one JSON text under D1's 2 MB string limit.
    const indexes = new Set([...UPSERT_ATOMS_SQL.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
    expect([...indexes].sort()).toEqual([1, 2, 3]);
    expect(UPSERT_ATOMS_SQL).not.toMatch(/\?(?!\d)/);
    // Worst case: every text field at its 200-character maximum still fits.
    const long = "x".repeat(200);
    const worst = atomChunksJson(many(500, { source: long, medium: long, campaign: long, goal: long.slice(0, 64), revenue_by_currency: { EUR: 1 / 3, USD: 1 / 7 } }));
    expect(worst).toHaveLength(1);
    expect(new TextEncoder().encode(worst[0]).length).toBeLessThan(2_000_000);
  });

  it("writes every atom across many small chunks, updates in place on rerun, and deletes stale keys", async () => {
    const db = env.DB;
    const day = "2026-11-03";
    await db.batch(upsertAtomStatements(db, "chunk", day, many(50), 7));
    expect((await atomKeys(db, "chunk", day)).length).toBe(50);
    await db.batch(upsertAtomStatements(db, "chunk", day, many(50, { conversions: 9 }), 7));
    const rows = await db.prepare(`SELECT COUNT(*) AS n, MIN(conversions) AS lo FROM atoms WHERE site = 'chunk' AND day = ?`).bind(day).first<{ n: number; lo: number }>();
    expect(rows).toEqual({ n: 50, lo: 9 });
    const stale = many(50).slice(10, 33);
    await db.batch(deleteAtomStatements(db, "chunk", day, stale, 7));
    const left = (await atomKeys(db, "chunk", day)).map((k) => k.source).sort();
    expect(left).toEqual(many(50).filter((_, i) => i < 10 || i >= 33).map((a) => a.source).sort());
  });
});
