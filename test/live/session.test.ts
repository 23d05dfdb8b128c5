import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LIVE_CACHE_MS, liveSessionUntil, noteLiveSession } from "../../src/live/session";

/** env.DB, counting the statements prepared through it. */
function counting(): { db: D1Database; sql: string[] } {
  const sql: string[] = [];
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (q: string) => (sql.push(q), target.prepare(q));
      const v: unknown = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db, sql };
}

describe("liveSessionUntil (the hit path's view of sessions)", () => {
  it("reads the session list at most once per LIVE_CACHE_MS, whatever the number of hits and sites", async () => {
    // Times far ahead of the clock, so this isolate's copy is stale at the start.
    const t0 = Date.now() + 10 * 86_400_000;
    await env.DB.prepare("INSERT INTO live_sessions (site, started, until) VALUES ('ses-a', ?, ?)").bind(t0 - 1, t0 + 60_000).run();
    const { db, sql } = counting();
    expect(await liveSessionUntil(db, "ses-a", t0)).toBe(t0 + 60_000);
    for (let i = 0; i < 1_000; i++) expect(await liveSessionUntil(db, i % 2 ? "ses-none" : "ses-a", t0 + (i % LIVE_CACHE_MS))).toBe(i % 2 ? null : t0 + 60_000);
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/FROM live_sessions/);
    // A session started elsewhere is seen on the next read; one that ended stops at once.
    await env.DB.prepare("INSERT INTO live_sessions (site, started, until) VALUES ('ses-b', ?, ?)").bind(t0, t0 + 5_000).run();
    expect(await liveSessionUntil(db, "ses-b", t0 + LIVE_CACHE_MS - 1)).toBeNull();
    expect(await liveSessionUntil(db, "ses-b", t0 + LIVE_CACHE_MS)).toBe(t0 + 5_000);
    expect(sql).toHaveLength(2);
    expect(await liveSessionUntil(db, "ses-b", t0 + LIVE_CACHE_MS + 1)).toBe(t0 + 5_000);
    expect(await liveSessionUntil(db, "ses-b", t0 + 5_000)).toBeNull();
  });

  it("sees a session started through this isolate at once, before the next read", async () => {
    const t0 = Date.now() + 20 * 86_400_000;
    const { db, sql } = counting();
    expect(await liveSessionUntil(db, "ses-here", t0)).toBeNull();
    noteLiveSession("ses-here", t0 + 1_000);
    expect(await liveSessionUntil(db, "ses-here", t0 + 1)).toBe(t0 + 1_000);
    expect(sql).toHaveLength(1);
  });

  it("treats a failed read as no session, and tries again after LIVE_CACHE_MS", async () => {
    const t0 = Date.now() + 30 * 86_400_000;
    const broken = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") return () => { throw new Error("D1 is down"); };
        const v: unknown = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    await expect(liveSessionUntil(broken, "ses-x", t0)).resolves.toBeNull();
    const { db, sql } = counting();
    await liveSessionUntil(db, "ses-x", t0 + LIVE_CACHE_MS);
    expect(sql).toHaveLength(1);
  });
});
