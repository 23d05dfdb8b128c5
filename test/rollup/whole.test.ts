import { describe, expect, it } from "vitest";
import { MODELS } from "../../src/attribution/types";
import { addDays, dayOf } from "../../src/time/day";
import { ADMIN, call, createSite, withJson } from "../helpers/http";
import { atomsOf, DAY, HOUR, insertEvents, landing, touch, type EventInput } from "./fixtures";

/**
 * Under epsilon every released number is whole (CONTRACT.md v1.1, docs/PRIVACY.md "Whole
 * numbers"): fractional credit (linear thirds, time decay, position 40/20/40) and revenue with
 * cents must not survive as fractions in the atoms, nor in any answer summed from them.
 */

/** Every number under a counting or money key of a stats answer, with its path. */
function figures(v: unknown, path = "", out: [string, number][] = []): [string, number][] {
  if (Array.isArray(v)) v.forEach((x, i) => figures(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const p = `${path}.${k}`;
      if (typeof x === "number" && (["clicks", "visitors", "conversions", "revenue"].includes(k) || path.endsWith("revenue_by_currency"))) out.push([p, x]);
      else figures(x, p, out);
    }
  }
  return out;
}

describe("epsilon sites release whole numbers", () => {
  it("stores whole credit and revenue, and every stats answer (any group, model, goal) stays whole", async () => {
    const site = await createSite({
      id: "whole",
      domains: ["whole.example"],
      currency: "EUR",
      goals: [{ name: "purchase" }, { name: "signup", tier: "micro", value: 2.5 }],
      privacy: { k: 1, epsilon: 1 },
    });
    const t0 = Date.now() - 2 * DAY;
    const day = dayOf(t0, "UTC");
    const events: EventInput[] = [];
    for (let i = 0; i < 30; i++) {
      const ts = t0 + i * 60_000;
      events.push(landing(ts - HOUR, `v${i}`, ["google", "bing", "meta"][i % 3]!, "cpc", `c${i % 4}`));
      events.push({
        ts,
        name: "purchase",
        visitor: `v${i}`,
        value: 19.99 + i,
        currency: i % 5 === 0 ? "USD" : "EUR",
        journey: [touch("google", ts - 3 * HOUR, "cpc", "c1"), touch("bing", ts - 2 * HOUR, "cpc", "c2"), touch("meta", ts - HOUR, "cpc", `c${i % 4}`)],
      });
      if (i % 2) events.push({ ts: ts + 1000, name: "signup", visitor: null, journey: [touch("google", ts - 3 * HOUR, "cpc", "c1"), touch("bing", ts - HOUR, "cpc", "c2")] });
    }
    await insertEvents("whole", "UTC", events);
    expect((await call("/v1/admin/rollup", withJson("POST", { site: "whole", from: day, to: day }, ADMIN))).status).toBe(200);

    const atoms = await atomsOf("whole", day);
    expect(atoms.length).toBeGreaterThan(0);
    for (const a of atoms) {
      for (const v of [a.clicks, a.visitors, a.conversions, a.credit, a.revenue, ...Object.values(JSON.parse(a.revenue_by_currency) as Record<string, number>)]) {
        expect(Number.isInteger(v), `${a.source}/${a.campaign}/${a.goal}/${a.model}: ${v}`).toBe(true);
      }
    }

    const from = addDays(day, -1);
    let checked = 0;
    for (const model of MODELS) {
      for (const group of ["campaign", "source", "medium", "day", "goal"]) {
        for (const goal of group === "goal" ? [""] : ["", "&goal=purchase", "&goal=signup"]) {
          const res = await call(`/v1/stats?site=whole&from=${from}&to=${day}&group=${group}&model=${model}${goal}`, {
            headers: { authorization: `Bearer ${site.read_key}` },
          });
          expect(res.status).toBe(200);
          const body = await res.json();
          for (const [path, v] of figures(body)) {
            expect(Number.isInteger(v), `${model} ${group}${goal} ${path} = ${v}`).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
