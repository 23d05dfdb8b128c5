import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { purgeEvents } from "../../src/db/rollup";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { atomsOf, dayRow, HOUR, insertEvents, landing, makeSite } from "./fixtures";

async function cron(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "7 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const count = async (sql: string, ...args: unknown[]) => (await env.DB.prepare(sql).bind(...args).first<{ n: number }>())!.n;

describe("retention purges", () => {
  it("rolls up an old unrolled day, then deletes raw events past RAW_RETENTION_DAYS (8) and keeps the rest", async () => {
    const now = Date.now() + HOUR;
    const today = dayOf(now, "UTC");
    await makeSite({ id: "p1", domains: ["p1.example"], goals: [{ name: "purchase" }] });
    const at = (daysAgo: number) => dayStart(addDays(today, -daysAgo), "UTC") + 12 * HOUR;
    await insertEvents("p1", "UTC", [
      landing(at(10), "a", "google"), // past retention, never rolled: rolled first, then purged
      landing(at(9), "b", "google"), // past retention
      landing(at(8), "c", "google"), // the oldest kept day (outside the re-roll window)
      landing(at(7), "d", "google"), // inside the re-roll window
    ]);
    expect(env.RAW_RETENTION_DAYS).toBe("8");

    await cron(now);

    const days = (await env.DB.prepare(`SELECT day FROM events WHERE site = 'p1' ORDER BY day`).all<{ day: string }>()).results.map((r) => r.day);
    expect(days).toEqual([addDays(today, -8), addDays(today, -7)]);
    // The purged days were rolled up before their raw events went.
    for (const d of [10, 9]) {
      expect(await dayRow("p1", addDays(today, -d))).toMatchObject({ status: "done", events: 1 });
      expect((await atomsOf("p1", addDays(today, -d))).find((a) => a.source === "google")).toMatchObject({ visitors: 1 });
    }
  });

  it("never deletes raw events of a day whose roll is not done", async () => {
    await makeSite({ id: "p2", domains: ["p2.example"] });
    const old = addDays(dayOf(Date.now(), "UTC"), -20);
    await insertEvents("p2", "UTC", [landing(dayStart(old, "UTC"), "x", "bing")]);
    expect(await purgeEvents(env.DB, [{ site: "p2", before: addDays(old, 5) }])).toBe(0);
    await env.DB.prepare(`INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at) VALUES ('p2', ?, 'running', 0, 0, 0, 0)`).bind(old).run();
    expect(await purgeEvents(env.DB, [{ site: "p2", before: addDays(old, 5) }])).toBe(0);
    await env.DB.prepare(`UPDATE rollup_days SET status = 'done' WHERE site = 'p2'`).run();
    expect(await purgeEvents(env.DB, [{ site: "p2", before: old }])).toBe(0);
    expect(await purgeEvents(env.DB, [{ site: "p2", before: addDays(old, 1) }])).toBe(1);
  });

  it("purges in chunks until nothing is left", async () => {
    await makeSite({ id: "p3", domains: ["p3.example"] });
    const old = addDays(dayOf(Date.now(), "UTC"), -30);
    await insertEvents("p3", "UTC", Array.from({ length: 25 }, (_, i) => landing(dayStart(old, "UTC") + i * 1000, `v${i}`, "bing")));
    await env.DB.prepare(`INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at) VALUES ('p3', ?, 'done', 0, 0, 0, 0)`).bind(old).run();
    const bounds = [{ site: "p3", before: addDays(old, 1) }];
    expect([await purgeEvents(env.DB, bounds, 10), await purgeEvents(env.DB, bounds, 10), await purgeEvents(env.DB, bounds, 10)]).toEqual([10, 10, 5]);
    expect(await count(`SELECT COUNT(*) AS n FROM events WHERE site = 'p3'`)).toBe(0);
  });

  it("deletes salts past expires_at and dedup rows first seen more than 48 hours ago", async () => {
    const now = Date.now() + HOUR;
    await makeSite({ id: "p4", domains: ["p4.example"] });
    await env.DB.batch([
      env.DB.prepare(`INSERT INTO salts (site, day, salt, expires_at) VALUES ('p4', '2026-01-01', 'old', ?)`).bind(now - 1),
      env.DB.prepare(`INSERT INTO salts (site, day, salt, expires_at) VALUES ('p4', '2026-01-02', 'live', ?)`).bind(now + HOUR),
      env.DB.prepare(`INSERT INTO dedup (site, event_id, first_seen, claim) VALUES ('p4', 'old', ?, 'c')`).bind(now - 48 * HOUR - 1),
      env.DB.prepare(`INSERT INTO dedup (site, event_id, first_seen, claim) VALUES ('p4', 'fresh', ?, 'c')`).bind(now - 47 * HOUR),
    ]);
    await cron(now);
    const salts = await env.DB.prepare(`SELECT salt FROM salts WHERE site = 'p4'`).all<{ salt: string }>();
    expect(salts.results).toEqual([{ salt: "live" }]);
    const dedup = await env.DB.prepare(`SELECT event_id FROM dedup WHERE site = 'p4'`).all<{ event_id: string }>();
    expect(dedup.results).toEqual([{ event_id: "fresh" }]);
  });
});
