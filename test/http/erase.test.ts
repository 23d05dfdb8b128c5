import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/db/events";
import { ensureSalt } from "../../src/db/salts";
import { handleQueue } from "../../src/ingest/consumer";
import { runRollup } from "../../src/rollup/run";
import { ADMIN, call, createSite } from "../helpers/http";
import { cleanEvent } from "../ingest/helpers";

const DAY = new Date().toISOString().slice(0, 10);

async function erase(id: string): Promise<void> {
  const res = await call(`/v1/admin/sites/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(204);
}

/** Rows of `site` in every table that names a site (sites by id), erased_sites aside. */
async function leftovers(site: string): Promise<Record<string, number>> {
  const { results: tables } = await env.DB.prepare(
    "SELECT m.name AS name FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_cf_%' AND m.name NOT IN ('d1_migrations', 'erased_sites') " +
      "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'site')",
  ).all<{ name: string }>();
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    // Table names come from sqlite_master, never from input.
    const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM "${name}" WHERE site = ?`).bind(site).first<{ n: number }>();
    if (row!.n > 0) out[name] = row!.n;
  }
  const s = await env.DB.prepare("SELECT COUNT(*) AS n FROM sites WHERE id = ?").bind(site).first<{ n: number }>();
  if (s!.n > 0) out.sites = s!.n;
  return out;
}

const stored = (site: string, receivedAt: number): StoredEvent => ({ id: crypto.randomUUID(), event: cleanEvent({ site, received_at: receivedAt, ts: receivedAt }) });

async function consume(queue: string, bodies: unknown[]): Promise<void> {
  const batch = createMessageBatch(queue, bodies.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: Date.now(), attempts: 11, body })));
  const ctx = createExecutionContext();
  await handleQueue(batch, env, ctx);
  await getQueueResult(batch, ctx);
}

describe("DELETE /v1/admin/sites/:id erases everything, for good", () => {
  it("leaves no row of the site in any table, dead letters and link visitors included", async () => {
    const id = "er1";
    await createSite({ id, domains: ["er.example"] });
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO events (site, day, ts, received_at, name, via) VALUES (?1, ?2, ?3, ?3, 'pageview', 'pixel')").bind(id, DAY, now),
      env.DB.prepare("INSERT INTO dedup (site, event_id, first_seen, claim) VALUES (?1, 'e', ?2, 'c')").bind(id, now),
      env.DB.prepare("INSERT INTO links (code, site, destination, source, medium, campaign, created_at) VALUES ('er1code', ?1, 'https://er.example/', 'a', 'b', 'c', 0)").bind(id),
      env.DB.prepare("INSERT INTO link_clicks (site, day, code, clicks) VALUES (?1, ?2, 'er1code', 1)").bind(id, DAY),
      env.DB.prepare("INSERT INTO link_visitors (site, day, code, visitor) VALUES (?1, ?2, 'er1code', 'v')").bind(id, DAY),
      env.DB.prepare("INSERT INTO atoms (site, day, goal, model, source, medium, campaign) VALUES (?1, ?2, '(macro)', 'linear', 'a', 'b', 'c')").bind(id, DAY),
      env.DB.prepare("INSERT INTO funnel_days (site, day, funnel, step, visitors) VALUES (?1, ?2, 'f', 0, 1)").bind(id, DAY),
      env.DB.prepare("INSERT INTO rollup_days (site, day, status, started_at, updated_at) VALUES (?1, ?2, 'done', 0, 0)").bind(id, DAY),
      env.DB.prepare("INSERT INTO rollup_scratch (site, day, key, state) VALUES (?1, ?2, 'k', '{}')").bind(id, DAY),
      env.DB.prepare("INSERT INTO spend (site, day, source, medium, campaign, currency, cost) VALUES (?1, ?2, 'a', 'b', 'c', 'EUR', 1)").bind(id, DAY),
    ]);
    await ensureSalt(env.DB, id, DAY, "salt", now + 1000);
    // A dead-lettered pack of the site: stored with its site.
    await consume("edgetally-events-dlq", [[stored(id, now), stored(id, now)]]);
    expect(await leftovers(id)).toMatchObject({ dead_letters: 2, events: 1, salts: 1, link_visitors: 1 });
    await erase(id);
    expect(await leftovers(id)).toEqual({});
  });

  it("refuses writes still queued for the site, also once its id is re-created; new events of the new site are written", async () => {
    const id = "er2";
    await createSite({ id, domains: ["er.example"] });
    const before = Date.now();
    const queued = stored(id, before);
    await new Promise((r) => setTimeout(r, 5));
    await erase(id);
    // The queue delivers (or retries) the message after the DELETE: nothing is written.
    await consume("edgetally-events", [queued]);
    // Its retries run out: the dead letter is not kept either.
    await consume("edgetally-events-dlq", [stored(id, before)]);
    // Another isolate's cached site still computes a visitor: no salt is created.
    await expect(ensureSalt(env.DB, id, DAY, "salt2", Date.now() + 1000)).rejects.toThrow();
    expect(await leftovers(id)).toEqual({});

    // The id is re-created: the old site's queued events still do not come back…
    await new Promise((r) => setTimeout(r, 5));
    await createSite({ id, domains: ["er.example"] });
    await consume("edgetally-events", [stored(id, before)]);
    expect(await leftovers(id)).toEqual({ sites: 1 });
    // …while the new site's events are written as usual.
    await consume("edgetally-events", [stored(id, Date.now())]);
    expect(await leftovers(id)).toEqual({ sites: 1, events: 1 });
  });

  it("the hourly run erases again what a rollup already under way wrote after the DELETE, and purges old dead letters", async () => {
    const id = "er3";
    await createSite({ id, domains: ["er.example"] });
    await erase(id);
    // A rollup that listed the site before the DELETE writes its last batch after it.
    await env.DB.batch([
      env.DB.prepare("INSERT INTO atoms (site, day, goal, model, source, medium, campaign) VALUES (?1, ?2, '(macro)', 'linear', 'a', 'b', 'c')").bind(id, DAY),
      env.DB.prepare("INSERT INTO rollup_days (site, day, status, started_at, updated_at) VALUES (?1, ?2, 'done', 0, 0)").bind(id, DAY),
    ]);
    const old = Date.now() - 31 * 86_400_000;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO dead_letters (received_at, body, error, site) VALUES (?1, '{}', 'old', NULL)").bind(old),
      env.DB.prepare("INSERT INTO dead_letters (received_at, body, error, site) VALUES (?1, '{}', 'recent', NULL)").bind(Date.now()),
    ]);
    const summary = await runRollup(env, Date.now());
    expect(summary.purged.erased_again).toBe(2);
    expect(summary.purged.dead_letters).toBe(1);
    expect(await leftovers(id)).toEqual({});
    const kept = await env.DB.prepare("SELECT error FROM dead_letters WHERE error IN ('old', 'recent')").all<{ error: string }>();
    expect(kept.results).toEqual([{ error: "recent" }]);
    // The tombstone itself goes after 14 days.
    const later = await runRollup(env, Date.now() + 15 * 86_400_000);
    expect(later.purged.tombstones).toBeGreaterThan(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM erased_sites WHERE site = ?").bind(id).first<{ n: number }>()).toEqual({ n: 0 });
  });
});
