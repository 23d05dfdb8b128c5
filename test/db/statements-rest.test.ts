import { afterEach, describe, expect, it, vi } from "vitest";
import * as events from "../../src/db/events";
import * as forward from "../../src/db/forward";
import * as fx from "../../src/db/fx";
import * as links from "../../src/db/links";
import * as live from "../../src/db/live";
import * as salts from "../../src/db/salts";
import * as sites from "../../src/db/sites";
import * as spend from "../../src/db/spend";
import type { DayRates } from "../../src/fx/rates";
import { parseNewSite } from "../../src/sites/config";
import { cleanEvent } from "../ingest/helpers";
import statementsBefore from "./fixtures/rest-statements.json";
import { normalise, recorder, type Recorded } from "./statements-helpers";

/**
 * The SQL of the rest of src/db/ (events, links, sites, fx, live, forward, spend, salts), as each
 * exported function prepares it, with the values it binds. Like statements.test.ts for the rollup:
 * the statements were rewritten from one-line and concatenated strings into the house style
 * (named multi-line constants), and this test proves the rewrite changed layout only — each
 * statement, whitespace normalised, is byte for byte the text recorded from the code before it
 * (fixtures/rest-statements.json), bound to the same values, prepared in the same order.
 * SQL fragments other modules splice into theirs (fx.factorSql) are recorded as text.
 */

const SITE = "stmts";
const DAY = "2026-10-01";
/** A fixed clock: every time bound below is derived from it, so the fixture is deterministic. */
const NOW = Date.UTC(2026, 9, 1, 12);
const HOUR = 3_600_000;

const stored = (id: string, over: Parameters<typeof cleanEvent>[0]): events.StoredEvent => ({
  id,
  event: cleanEvent({ site: SITE, ts: NOW, received_at: NOW, ...over }),
});

const spendRow = (i: number): spend.SpendRow => ({
  day: DAY, source: "google", medium: "cpc", campaign: `c${i}`, content: "", term: "", currency: "EUR", cost: 10 + i, platform_conversions: i % 2 ? null : i,
});

/** Every statement of the eight modules, prepared (and run against the real, empty database). */
async function statements(): Promise<Recorded[]> {
  const { out, db, step } = recorder();
  const fragment = (name: string, sql: string) => out.push({ name, sql: normalise(sql), binds: [] });

  // sites: created first, erased last of its group (the other modules do not need the row).
  const config = parseNewSite({ id: SITE, domains: ["stmts.example"] });
  const record: sites.SiteRecord = { config, ingestKeyHash: "ih", readKeyHash: "rh", secret: "sec", createdAt: NOW, updatedAt: NOW };
  await step("insertSite", () => sites.insertSite(db, record));
  await step("getSite", () => sites.getSite(db, SITE));
  await step("getSiteByIngestHash", () => sites.getSiteByIngestHash(db, "ih"));
  await step("getSiteByDomain", () => sites.getSiteByDomain(db, "stmts.example"));
  await step("listSites", () => sites.listSites(db));
  await step("updateSiteConfig", () => sites.updateSiteConfig(db, config, NOW + 1));
  await step("updateSiteKeys", () => sites.updateSiteKeys(db, SITE, "ih2", "rh2", NOW + 2));
  await step("eraseAgainStatements", () => sites.eraseAgainStatements(db, SITE));
  fragment("writableSite", sites.writableSite("x.site", "x.received_at"));

  // events: a write with and without an event_id, then a later copy of the first (claim lost → merge).
  await step("writeEvents", () =>
    events.writeEvents(db, [stored("m-1", { name: "purchase", event_id: "e1", via: "pixel" }), stored("m-2", {})], "claim-1"),
  );
  await step("writeEvents (merge)", () =>
    events.writeEvents(db, [stored("m-3", { name: "purchase", event_id: "e1", via: "server", value: 9.5, currency: "EUR" })], "claim-2"),
  );
  await step("insertDeadLetters", () =>
    events.insertDeadLetters(db, [{ body: "{}", error: "bad", site: SITE, received: NOW - 1 }, { body: "x", error: null }], NOW),
  );
  await step("purgeDeadLetters", () => events.purgeDeadLetters(db, NOW, 10));

  // links
  const link: links.LinkRecord = {
    code: "abc", site: SITE, destination: "https://stmts.example/", source: "news", medium: "email", campaign: "oct", content: null, term: "t", createdAt: NOW,
  };
  await step("insertLink", () => links.insertLink(db, link));
  await step("getLink", () => links.getLink(db, "abc"));
  await step("countClick", () => links.countClick(db, SITE, DAY, "abc", "v1"));
  await step("purgeLinkVisitors", () => links.purgeLinkVisitors(db, DAY, 10));

  // fx
  const rates = (day: string): DayRates => ({ day, base: "EUR", rates: { EUR: 1, USD: 1.1 } });
  await step("putDayRates", () => fx.putDayRates(db, rates(DAY)));
  await step("addMissingDays", () => fx.addMissingDays(db, [rates(DAY), rates("2026-10-02")]));
  await step("hasDayRates", () => fx.hasDayRates(db, DAY));
  await step("readRates", () => fx.readRates(db, DAY, "2026-10-02", ["EUR", "USD"]));
  fragment("factorSql", fx.factorSql("EUR", "USD", "atoms.day"));
  fragment("factorSql (same)", fx.factorSql("USD", "USD", "atoms.day"));

  // live
  const hit: live.LiveRow = {
    at: NOW + 1, via: "beacon", name: "purchase", outcome: "accepted", reason: null, url: "https://stmts.example/",
    touch: { source: "google", medium: "cpc", campaign: "oct", content: null, term: null }, value: 5, currency: "EUR", event_id: "e9", errors: [],
  };
  await step("startLiveSession", () => live.startLiveSession(db, SITE, NOW, NOW + HOUR));
  await step("activeLiveSessions", () => live.activeLiveSessions(db, NOW));
  await step("insertLiveHits", () => live.insertLiveHits(db, SITE, [hit]));
  await step("markLiveDuplicates", () => live.markLiveDuplicates(db, [{ site: SITE, event_id: "e9", at: NOW + 1 }], { code: "duplicate", message: "a copy" }));
  await step("readLive", () => live.readLive(db, SITE, NOW));
  await step("purgeLive", () => live.purgeLive(db, NOW));

  // forward
  await step("reserveOutbox", () => forward.reserveOutbox(db, [{ site: SITE, destination: "meta", key: "k0", job: "j0" }], NOW));
  await step("claimOutbox", () => forward.claimOutbox(db, SITE, "meta", [{ key: "k1", job: "j1" }], NOW));
  await step("settleStatement", () => forward.settleStatement(db, SITE, "meta", ["k1"], "delivered", NOW).run());
  await step("deliveredStatement", () => forward.deliveredStatement(db, SITE, "meta", NOW).run());
  await step("errorStatement", () => forward.errorStatement(db, SITE, "meta", NOW, 500, "oops").run());
  await step("destinationCounts", () => forward.destinationCounts(db, SITE));
  await step("purgeForward", () => forward.purgeForward(db, NOW));

  // spend: 11 rows are two statements (10 rows of 10 parameters, then 1).
  const rows = Array.from({ length: 11 }, (_, i) => spendRow(i));
  await step("spendUpsertStatements", () => spend.spendUpsertStatements(db, SITE, rows));
  await step("upsertSpend", () => spend.upsertSpend(db, SITE, rows.slice(0, 2)));
  await step("readSpend", () => spend.readSpend(db, SITE, DAY, "2026-10-02"));

  // salts (ensureSalt binds Date.now(): the clock is fixed)
  vi.spyOn(Date, "now").mockReturnValue(NOW);
  await step("ensureSalt", () => salts.ensureSalt(db, SITE, DAY, "salt", NOW + 2 * 24 * HOUR));
  vi.restoreAllMocks();
  await step("findSalt", () => salts.findSalt(db, SITE, DAY));

  // sites, the erasing statements last
  await step("deleteSite", () => sites.deleteSite(db, SITE, NOW));
  await step("recentlyErased", () => sites.recentlyErased(db, NOW - HOUR));
  await step("purgeTombstones", () => sites.purgeTombstones(db, NOW));
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the SQL of db/events, links, sites, fx, live, forward, spend and salts", () => {
  it("is, whitespace aside, exactly the statements recorded before it was rewritten readably", async () => {
    const now = await statements();
    // An empty fixture records (prints) the statements instead: how the fixture was made, from the code before the rewrite.
    if ((statementsBefore as unknown[]).length === 0) console.log(`STATEMENTS ${JSON.stringify(now)}`);
    const before = (statementsBefore as Recorded[]).map((s) => ({ ...s, sql: normalise(s.sql) }));
    expect(now).toEqual(before);
  });
});
