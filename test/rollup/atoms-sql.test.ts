import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { atomKeys, deleteAtomStatements, upsertAtomStatements, type Atom } from "../../src/db/atoms";

function atom(i: number, extra: Partial<Atom> = {}): Atom {
  return {
    site: "sql", day: "2026-11-02", source: `s${i}`, medium: "cpc", campaign: "c", goal: "(macro)", model: "linear",
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
