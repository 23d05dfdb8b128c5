import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { FREE_CRON, FREE_ROLLUP_QUERIES, freeConfig, queueNames } from "../../scripts/lib/deploy-config.mjs";

describe("the Workers Free variant of wrangler.toml (npm run deploy -- --free)", () => {
  const free = freeConfig(wranglerToml);

  it("drops [limits] (cpu_ms fails deploy on Free) and keeps every other table", () => {
    expect(wranglerToml).toMatch(/^\[limits\]/m);
    expect(free).not.toMatch(/^\[limits\]/m);
    expect(free).not.toMatch(/cpu_ms/);
    const tables = (s: string) => [...s.matchAll(/^\s*(\[{1,2}[^\]]+\]{1,2})/gm)].map((m) => m[1]);
    expect(tables(free)).toEqual(tables(wranglerToml).filter((t) => t !== "[limits]"));
  });

  it("runs the rollup every 10 minutes within Free's 50 queries per invocation", () => {
    expect(free).toContain(`crons = ["${FREE_CRON}"]`);
    expect(free.match(/^crons\s*=/gm)).toHaveLength(1);
    expect(free).toContain(`ROLLUP_QUERY_BUDGET = "${FREE_ROLLUP_QUERIES}"`);
    expect(FREE_ROLLUP_QUERIES).toBeLessThan(50);
  });

  it("keeps the bindings: D1 by name without an id, the queues, the rate limits", () => {
    expect(free).toMatch(/database_name = "edgetally"/);
    expect(free).not.toMatch(/database_id/);
    expect(free.match(/^\[\[ratelimits\]\]/gm)?.length).toBe(wranglerToml.match(/^\[\[ratelimits\]\]/gm)?.length);
  });

  it("adds a [vars] table when there is none, and refuses a config without crons", () => {
    expect(freeConfig('name = "x"\n[triggers]\ncrons = ["7 * * * *"]\n')).toMatch(/\[vars\]\nROLLUP_QUERY_BUDGET = "45"/);
    expect(() => freeConfig('name = "x"\n')).toThrow("crons");
  });
});

describe("queues npm run deploy makes sure exist", () => {
  it("finds producers, consumers and the dead-letter queue, once each", () => {
    expect(queueNames(wranglerToml).sort()).toEqual(["edgetally-events", "edgetally-events-dlq", "edgetally-forward", "edgetally-forward-dlq"]);
  });
});
