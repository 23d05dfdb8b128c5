import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runRollup } from "../../src/rollup/run";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { call, createSite } from "../helpers/http";
import { HOUR, insertEvents, type EventInput } from "./fixtures";

/**
 * CONTRACT.md v1.1 "below the campaign": the rollup keeps atoms per (touch, content, term) and
 * marks each campaign unit's content and term partitions (privacy/hierarchy.ts); a campaign atom is
 * the sum of its contents, so the campaign level answers as before.
 */

const D = dayOf(Date.now(), "UTC");
const t0 = dayStart(D, "UTC");
const NOW = dayStart(addDays(D, 1), "UTC") + 12 * HOUR;

/** `n` visitors landing through one ad, the first `buy` of whom buy (each their own conversion). */
function ad(prefix: string, content: string | null, term: string | null, n: number, buy: number): EventInput[] {
  const out: EventInput[] = [];
  const touch = { source: "google", medium: "cpc", campaign: "spring", content, term, touch_kind: "landing" as const };
  for (let i = 0; i < n; i++) {
    out.push({ ts: t0 + HOUR + i, visitor: `${prefix}${i}`, ...touch });
    if (i < buy) out.push({ ts: t0 + 2 * HOUR + i, visitor: `${prefix}${i}`, name: "purchase", value: 10, ...touch });
  }
  return out;
}

type Row = { content: string; term: string; visitors: number; conversions: number; release: number; content_release: number | null; term_release: number | null; grain: number; unit_from: string; unit_to: string };

describe("atoms below the campaign", () => {
  it("writes one atom per content and term, marks the partitions, and the campaign row is their sum", async () => {
    const site = await createSite({ id: "ads", domains: ["ads.example"], goals: [{ name: "purchase" }], privacy: { k: 10, period: "day" } });
    await insertEvents("ads", "UTC", [
      ...ad("a", "ad-a", "shoes", 20, 10),
      ...ad("t", "ad-a", "boots", 12, 2),
      ...ad("s", "ad-a", "sandals", 12, 10),
      ...ad("b", "ad-b", null, 20, 10),
      ...ad("c", "ad-c", null, 3, 1),
      ...ad("x", null, null, 15, 0),
    ]);
    expect(await runRollup(env, NOW)).toMatchObject({ failed: 0, complete: true });

    const { results } = await env.DB.prepare(
      "SELECT content, term, visitors, conversions, release, content_release, term_release, grain, unit_from, unit_to FROM atoms " +
        "WHERE site = 'ads' AND day = ? AND goal = '(macro)' AND model = 'last_click' ORDER BY content, term",
    )
      .bind(D)
      .all<Row>();
    const day = { release: 1, grain: 0, unit_from: D, unit_to: D };
    // ad-a clears (44 visitors, 22 conversions); inside it, boots (2 conversions) pools with the
    // smallest clearing term, sandals, and shoes stays alone. ad-c (3, 1) cannot clear, and pools
    // with the smallest clearing sibling — (none), 15 visitors, 0 conversions; then 18 visitors
    // and 1 conversion, still under k, so ad-b joins too: one (other) content of ad-b, ad-c and (none).
    expect(results).toEqual([
      { content: "(none)", term: "(none)", visitors: 15, conversions: 0, ...day, content_release: 0, term_release: 0 },
      { content: "ad-a", term: "boots", visitors: 12, conversions: 2, ...day, content_release: 1, term_release: 0 },
      { content: "ad-a", term: "sandals", visitors: 12, conversions: 10, ...day, content_release: 1, term_release: 0 },
      { content: "ad-a", term: "shoes", visitors: 20, conversions: 10, ...day, content_release: 1, term_release: 1 },
      { content: "ad-b", term: "(none)", visitors: 20, conversions: 10, ...day, content_release: 0, term_release: 0 },
      { content: "ad-c", term: "(none)", visitors: 3, conversions: 1, ...day, content_release: 0, term_release: 0 },
    ]);

    const res = await call(`/v1/stats?site=ads&from=${D}&to=${D}&group=campaign`, { headers: { authorization: `Bearer ${site.read_key}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: Record<string, unknown>[]; privacy: { suppressed: number } };
    expect(body.rows).toEqual([expect.objectContaining({ source: "google", medium: "cpc", campaign: "spring", visitors: 82, conversions: 33 })]);
    expect(body.privacy.suppressed).toBe(0);

    type Answer = { rows: Record<string, string | number>[]; other: { visitors: number }; totals: { visitors: number; conversions: number }; privacy: { period: string; partial_periods: string[] } };
    const get = async (params: string) => {
      const r = await call(`/v1/stats?site=ads&from=${D}&to=${D}&${params}`, { headers: { authorization: `Bearer ${site.read_key}` } });
      expect(r.status, params).toBe(200);
      return (await r.json()) as Answer;
    };
    const pick = (a: Answer, ...keys: string[]) => a.rows.map((r) => Object.fromEntries([...keys, "visitors", "conversions"].map((k) => [k, r[k]])));
    // Content rows: ad-a on its own, the rest as (other); they sum to the campaign row.
    const content = await get("group=content");
    expect(pick(content, "campaign", "content")).toEqual([
      { campaign: "spring", content: "(other)", visitors: 38, conversions: 11 },
      { campaign: "spring", content: "ad-a", visitors: 44, conversions: 22 },
    ].sort((a, b) => b.conversions - a.conversions));
    // Term rows inside ad-a: shoes alone, boots and sandals as its (other) term; the (other) content has one (other) term.
    const term = await get("group=term");
    expect(pick(term, "content", "term")).toEqual([
      { content: "ad-a", term: "(other)", visitors: 24, conversions: 12 },
      { content: "(other)", term: "(other)", visitors: 38, conversions: 11 },
      { content: "ad-a", term: "shoes", visitors: 20, conversions: 10 },
    ]);
    for (const a of [content, term]) expect(a.totals).toMatchObject({ visitors: 82, conversions: 33 });
    expect(term.privacy).toMatchObject({ period: "day", partial_periods: [] });
    // A drill-down narrows the rows, never other or totals.
    const drill = await get("group=term&campaign=spring&content=ad-a");
    expect(pick(drill, "term")).toEqual([
      { term: "(other)", visitors: 24, conversions: 12 },
      { term: "shoes", visitors: 20, conversions: 10 },
    ]);
    expect(drill.totals).toEqual(term.totals);
    expect((await get("group=campaign&content=ad-c")).rows).toEqual([]);
    // CSV carries the content and term columns.
    const csv = await (await call(`/v1/stats?site=ads&from=${D}&to=${D}&group=term&format=csv`, { headers: { authorization: `Bearer ${site.read_key}` } })).text();
    expect(csv.split("\r\n")[0] ?? csv.split("\n")[0]).toMatch(/^source,medium,campaign,content,term,/);
    // Bad filters are refused in the contract's shape.
    for (const [params, code, field] of [
      ["group=day&source=google", "invalid_combination", "source"],
      ["group=goal&content=ad-a", "invalid_combination", "content"],
      [`group=content&campaign=${"x".repeat(201)}`, "invalid_filter", "campaign"],
      ["group=content&content=", "invalid_filter", "content"],
      ["group=adgroup", "unknown_group", "group"],
    ] as const) {
      const r = await call(`/v1/stats?site=ads&from=${D}&to=${D}&${params}`, { headers: { authorization: `Bearer ${site.read_key}` } });
      expect(r.status, params).toBe(422);
      expect(await r.json(), params).toMatchObject({ error: { code, field } });
    }
  });
});
