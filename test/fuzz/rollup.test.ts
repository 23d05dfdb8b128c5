// Fuzzing POST /v1/admin/rollup (its own file: a fresh D1 with one site keeps each real recompute cheap).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, createSite } from "../helpers/http";
import { bodyText, contentType, fieldsObject, weirdDay, weirdValue } from "./arbitraries";
import { checkAnswer, requireImplemented, RUNS } from "./check";

const adminHeaders = (type: string | null): Headers => {
  const h = new Headers({ authorization: `Bearer ${ADMIN}` });
  if (type !== null) h.set("content-type", type);
  return h;
};

const today = (): string => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  await createSite({ id: "fz-rollup", domains: ["fz-rollup.example"], goals: [{ name: "purchase" }] });
});

describe("fuzz: POST /v1/admin/rollup", () => {
  it("answers {days, atoms, events} for a range of at most 31 days, else a JSON error", async () => {
    await requireImplemented("POST /v1/admin/rollup", "/v1/admin/rollup", { method: "POST", body: JSON.stringify({ site: "fz-rollup", from: "2026-11-01", to: "2026-11-01" }), headers: adminHeaders("application/json") });
    const rollupBody = fieldsObject(["site", "from", "to"], {
      site: fc.constantFrom("fz-rollup", "nosuch", ""),
      from: weirdDay,
      to: weirdDay,
    });
    // Ranges near the limits (retention, today, 31 days): valid ones must run, the rest be refused.
    const nearRange = fc.tuple(fc.constantFrom("fz-rollup", "fz-rollup", "nosuch"), fc.integer({ min: -1, max: 12 }), fc.integer({ min: -2, max: 34 })).map(([site, back, len]) => {
      const from = new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
      const to = new Date(Date.parse(`${from}T00:00:00Z`) + len * 86_400_000).toISOString().slice(0, 10);
      return { site, from, to };
    });
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(bodyText(fc.oneof(rollupBody, nearRange, weirdValue)), contentType, async (text, type) => {
        const res = await call("/v1/admin/rollup", { method: "POST", body: text, headers: adminHeaders(type) });
        const clone = res.clone();
        await checkAnswer(res, `POST /v1/admin/rollup ${text.slice(0, 200)}`);
        if (clone.status === 200) {
          const out = (await clone.json()) as Record<string, unknown>;
          for (const k of ["days", "atoms", "events"]) {
            if (!Number.isInteger(out[k])) throw new Error(`200 without an integer ${k}: ${JSON.stringify(out)}`);
          }
          const { from, to } = JSON.parse(text) as { from: string; to: string };
          const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
          if (!(span >= 1 && span <= 31)) throw new Error(`rolled up ${from}…${to} (${span} days; at most 31)`);
          ran++;
        }
      }),
      // One valid range among the generated ones, so the "ran" check never depends on luck.
      { numRuns: RUNS / 2, examples: [[JSON.stringify({ site: "fz-rollup", from: today(), to: today() }), "application/json"]] },
    );
    expect(ran, "no generated range was ever rolled up: the generator misses the valid space").toBeGreaterThan(0);
  });
});
