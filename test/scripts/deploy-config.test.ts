import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { FREE_CRON, FREE_ROLLUP_QUERIES, freeConfig, queueNames } from "../../scripts/lib/deploy-config.mjs";

describe("the Workers Free variant of wrangler.toml (npm run deploy -- --free)", () => {
  // Both configs read with a TOML parser (smol-toml), as wrangler reads them.
  type Config = Record<string, unknown> & {
    limits?: unknown;
    triggers?: { crons?: string[] };
    vars?: Record<string, string>;
    d1_databases?: { database_name?: string; database_id?: string }[];
    ratelimits?: unknown[];
  };
  const main = parse(wranglerToml) as Config;
  const free = parse(freeConfig(wranglerToml)) as Config;

  it("drops [limits] (cpu_ms fails deploy on Free) and keeps every other setting", () => {
    expect(main.limits).toBeDefined();
    expect(free.limits).toBeUndefined();
    const { limits: _l, triggers: _t, vars: _v, ...mainRest } = main;
    const { triggers: _ft, vars: _fv, ...freeRest } = free;
    expect(freeRest).toEqual(mainRest);
    expect(Object.keys(free).sort()).toEqual(Object.keys(main).filter((k) => k !== "limits").sort());
  });

  it("runs the rollup every 5 minutes within Free's 50 queries per invocation", () => {
    expect(free.triggers?.crons).toEqual([FREE_CRON]);
    expect(free.vars).toEqual({ ...main.vars, ROLLUP_QUERY_BUDGET: String(FREE_ROLLUP_QUERIES) });
    expect(FREE_ROLLUP_QUERIES).toBeLessThan(50);
  });

  it("keeps the bindings: D1 by name without an id, the queues, the rate limits", () => {
    expect(free.d1_databases?.map((d) => d.database_name)).toEqual(["edgetally"]);
    expect(free.d1_databases?.some((d) => d.database_id !== undefined)).toBe(false);
    expect(free.ratelimits).toEqual(main.ratelimits);
    expect(free.ratelimits?.length).toBeGreaterThan(0);
  });

  it("adds a [vars] table when there is none, and refuses a config without crons", () => {
    expect((parse(freeConfig('name = "x"\n[triggers]\ncrons = ["7 * * * *"]\n')) as Config).vars).toEqual({ ROLLUP_QUERY_BUDGET: "45" });
    expect(() => freeConfig('name = "x"\n')).toThrow("crons");
  });
});

describe("queues npm run deploy makes sure exist", () => {
  it("finds producers, consumers and the dead-letter queue, once each", () => {
    expect(queueNames(wranglerToml).sort()).toEqual(["edgetally-events", "edgetally-events-dlq", "edgetally-forward", "edgetally-forward-dlq"]);
  });
});
