import { describe, expect, it } from "vitest";
import { releaseDay, type Cell, type DayRelease } from "../../src/privacy/release";
import { allocateSpend, childLabels, spendCells, type SpendRow } from "../../src/stats/spend";
import { parseSpendBody, parseSpendRow, SPEND_MAX_ROWS } from "../../src/spend/import";
import { fxOf } from "../../src/fx/convert";
import { sumView } from "../../src/stats/aggregate";
import { present } from "../../src/stats/figures";
import { HttpError } from "../../src/http/errors";

const EUR = fxOf("EUR", []);
const D1 = "2026-11-01";
const cell = (source: string, medium: string, campaign: string, visitors: number, conversions: number, day = D1): Cell => ({
  day, source, medium, campaign, clicks: 0, visitors, conversions, credit: conversions, revenue: conversions * 50, revenue_by_currency: { EUR: conversions * 50 },
});
const spend = (over: Partial<SpendRow>): SpendRow => ({ day: D1, source: "google", medium: "cpc", campaign: "spring", content: "", term: "", currency: "EUR", cost: 100, platform_conversions: null, ...over });
/** A spend row as POST /v1/spend takes it: a level it does not name is left out. */
const wire = ({ content, term, ...row }: SpendRow) => ({ ...row, ...(content ? { content } : {}), ...(term ? { term } : {}) });
const noBase = { keys: new Set<string>(), ok: true };
const release = (cells: Cell[], day = D1, k = 10): DayRelease => releaseDay(day, cells, noBase, k);

describe("allocateSpend", () => {
  it("attaches spend to the released atom of its touch; cpa, roas and discrepancy follow", () => {
    const rel = [release([cell("google", "cpc", "spring", 400, 20)])];
    const pieces = allocateSpend(rel, [spend({ cost: 300, platform_conversions: 26 })]);
    const [row] = sumView("campaign", rel, pieces, undefined, EUR).rows;
    expect(present(row!.sums, "EUR")).toMatchObject({ conversions: 20, revenue: 1000, cost: 300, cpa: 15, roas: 3.33, platform_conversions: 26, discrepancy: 6 });
  });

  it("splits a spend row without medium over that source and campaign's released atoms by visitors", () => {
    const rel = [release([cell("google", "cpc", "spring", 300, 10), cell("google", "display", "spring", 100, 10), cell("google", "cpc", "fall", 500, 10)])];
    const pieces = allocateSpend(rel, [spend({ medium: "", cost: 200, platform_conversions: 40 })]);
    const rows = sumView("campaign", rel, pieces, undefined, EUR).rows.map((r) => ({ ...r.key, cost: r.sums.cost_by_currency.EUR, pc: r.sums.platform_conversions }));
    expect(rows).toContainEqual({ source: "google", medium: "cpc", campaign: "spring", cost: 150, pc: 30 });
    expect(rows).toContainEqual({ source: "google", medium: "display", campaign: "spring", cost: 50, pc: 10 });
    expect(rows).toContainEqual({ source: "google", medium: "cpc", campaign: "fall", cost: undefined, pc: null });
  });

  it("treats a pooled atom like a missing one: the spend stays unattached and counts in other and totals", () => {
    // display/spring has 3 visitors: pooled. Attaching spend to the pool but not to a missing
    // touch would reveal that someone came from display/spring that day.
    const pooled = [release([cell("google", "cpc", "spring", 300, 10), cell("google", "display", "spring", 3, 0), cell("meta", "social", "x", 50, 10)])];
    const missing = [release([cell("google", "cpc", "spring", 300, 10), cell("meta", "social", "x", 53, 10)])];
    const row = spend({ medium: "display", cost: 70 });
    for (const rel of [pooled, missing]) {
      const v = sumView("campaign", rel, allocateSpend(rel, [row]), undefined, EUR);
      expect(v.other.cost_by_currency).toEqual({ EUR: 70 });
      expect(v.totals.cost_by_currency).toEqual({ EUR: 70 });
      expect(v.rows.every((r) => r.sums.cost_by_currency.EUR === undefined)).toBe(true);
    }
    // The split of a medium-less row ignores the pooled medium too: all of it lands on cpc.
    const split = allocateSpend(pooled, [spend({ medium: "", cost: 90 })]);
    expect(split.map((p) => [p.cell?.medium, p.cost])).toEqual([["cpc", 90]]);
  });

  it("drops spend on a withheld day everywhere", () => {
    const rel = [release([cell("google", "cpc", "spring", 5, 0)])];
    expect(rel[0]!.withheld).toBe(true);
    expect(allocateSpend(rel, [spend({})])).toEqual([]);
  });

  it("keeps spend of a day without any atom as unattached (it is the advertiser's own number)", () => {
    const pieces = allocateSpend([], [spend({ cost: 12 })]);
    expect(pieces).toEqual([{ day: D1, cell: null, currency: "EUR", cost: 12, platform_conversions: null }]);
  });

  it("splits equally when the matching atoms have no visitors", () => {
    const rel = [release([cell("google", "cpc", "spring", 0, 10), cell("google", "display", "spring", 0, 10)])];
    expect(allocateSpend(rel, [spend({ medium: "", cost: 10 })]).map((p) => p.cost)).toEqual([5, 5]);
  });
});

describe("parseSpendRow / parseSpendBody", () => {
  it("normalises like collection: source and medium lower-cased, campaign kept, no medium = every medium", () => {
    expect(parseSpendRow({ day: D1, source: " Google ", medium: "CPC", campaign: " Spring Sale ", cost: 12.5, currency: "EUR", platform_conversions: 3 })).toEqual({
      day: D1, source: "google", medium: "cpc", campaign: "Spring Sale", content: "", term: "", cost: 12.5, currency: "EUR", platform_conversions: 3,
    });
    // v1.1: ad- and keyword-level spend keep content and term as collection keeps them (case and all).
    expect(parseSpendRow({ day: D1, source: "g", campaign: "c", content: " Ad B ", term: "Red Shoes", cost: 1, currency: "EUR" })).toMatchObject({ content: "Ad B", term: "Red Shoes" });
    expect(parseSpendRow({ day: D1, source: "g", campaign: "c", cost: 0, currency: "USD" })).toMatchObject({ medium: "", platform_conversions: null });
  });

  it.each([
    [{ source: "g", campaign: "c", cost: 1, currency: "EUR" }, "day"],
    [{ day: "2026-02-30", source: "g", campaign: "c", cost: 1, currency: "EUR" }, "day"],
    [{ day: D1, campaign: "c", cost: 1, currency: "EUR" }, "source"],
    [{ day: D1, source: "g", campaign: " ", cost: 1, currency: "EUR" }, "campaign"],
    [{ day: D1, source: "g", campaign: "c", cost: -1, currency: "EUR" }, "cost"],
    [{ day: D1, source: "g", campaign: "c", cost: "5", currency: "EUR" }, "cost"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "eur" }, "currency"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "EUR", platform_conversions: -2 }, "platform_conversions"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "EUR", clicks: 2 }, "clicks"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "EUR", content: "" }, "content"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "EUR", content: 7 }, "content"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "EUR", content: "a", term: " " }, "term"],
    [{ day: D1, source: "g", campaign: "c", cost: 1, currency: "EUR", term: "shoes" }, "content"],
  ])("rejects %j at %s", (row, fieldName) => {
    let err: unknown;
    try {
      parseSpendRow(row);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).field).toBe(fieldName);
  });

  it("reports bad rows by index, keeps the good ones, and lets the last copy of a key win", () => {
    const body = [spend({ cost: 1 }), { nope: true }, spend({ cost: 2 }), spend({ currency: "USD", cost: 3 }), spend({ content: "ad", cost: 4 }), spend({ content: "ad", term: "t", cost: 5 })].map((r) =>
      "day" in r ? wire(r as SpendRow) : r,
    );
    const r = parseSpendBody(body);
    expect(r.valid).toBe(5);
    expect(r.rejected.map((x) => x.index)).toEqual([1]);
    // The level is part of the key: campaign-, ad- and keyword-level rows of one campaign are apart.
    expect(r.rows.map((x) => [x.currency, x.content, x.term, x.cost])).toEqual([["EUR", "", "", 2], ["USD", "", "", 3], ["EUR", "ad", "", 4], ["EUR", "ad", "t", 5]]);
  });

  it("refuses a body that is not an array or has too many rows", () => {
    expect(() => parseSpendBody({ spend: [] })).toThrow(HttpError);
    expect(() => parseSpendBody(Array.from({ length: SPEND_MAX_ROWS + 1 }, () => wire(spend({}))))).toThrow(/at most 1000/);
  });
});

describe("spendCells / childLabels (v1.1: spend below the campaign)", () => {
  const leaf = (content: string, term: string, visitors: number, content_release: boolean, term_release: boolean) => ({
    ...cell("google", "cpc", "spring", visitors, 1), goal: "(macro)", content, term, content_release, term_release,
  });

  it("sums a campaign's released contents into one cell and notes the children released on their own", () => {
    const [c, ...rest] = spendCells([leaf("ad-a", "shoes", 20, true, true), leaf("ad-a", "rare", 2, true, false), leaf("ad-b", "(none)", 3, false, false)]);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ goal: "(macro)", source: "google", visitors: 25, conversions: 3, revenue: 150, revenue_by_currency: { EUR: 150 } });
    expect(c!.contents).toEqual(["ad-a"]);
    expect(c!.terms).toEqual([JSON.stringify(["ad-a", "shoes"])]);
  });

  it("names a child's own row only where it was released on its own, else its parent's (other)", () => {
    const [c] = spendCells([leaf("ad-a", "shoes", 20, true, true), leaf("ad-a", "rare", 2, true, false), leaf("ad-b", "x", 3, false, false)]);
    expect(childLabels(c!, "ad-a", "")).toEqual({ content: "ad-a", term: null });
    expect(childLabels(c!, "ad-a", "shoes")).toEqual({ content: "ad-a", term: "shoes" });
    // A pooled term and a term without any atom alike: the content's (other) term.
    expect(childLabels(c!, "ad-a", "rare")).toEqual({ content: "ad-a", term: "(other)" });
    expect(childLabels(c!, "ad-a", "never-seen")).toEqual({ content: "ad-a", term: "(other)" });
    // A pooled content (and any term of it): the campaign's (other) content.
    expect(childLabels(c!, "ad-b", "x")).toEqual({ content: "(other)", term: "(other)" });
    expect(childLabels(c!, "ad-z", "")).toEqual({ content: "(other)", term: null });
    // A v1 campaign cell without marks below it has no child released on its own.
    expect(childLabels(cell("google", "cpc", "spring", 10, 1), "ad-a", "shoes")).toEqual({ content: "(other)", term: "(other)" });
  });

  it("keeps an ad-level row's content on its pieces, so rows below the campaign can place them", () => {
    const rel = [release([cell("google", "cpc", "spring", 300, 30)])];
    const pieces = allocateSpend(rel, [spend({ content: "ad-a", cost: 40 }), spend({ content: "ad-a", term: "shoes", cost: 10 }), spend({ cost: 5 })]);
    expect(pieces.map((p) => [p.content, p.term, p.cost])).toEqual([["ad-a", undefined, 40], ["ad-a", "shoes", 10], [undefined, undefined, 5]]);
    // At group=campaign every level lands on the campaign's row.
    expect(present(sumView("campaign", rel, pieces, undefined, EUR).rows[0]!.sums, "EUR").cost).toBe(55);
  });
});
