import { describe, expect, it } from "vitest";
import { checkHit, type HitContext } from "../../src/collect/hit";
import { encodeJournal } from "../../src/collect/journal";
import type { SiteConfig } from "../../src/sites/config";
import { BOT_UA, BROWSER_UA, IPHONE_UA } from "../ingest/helpers";

const site: SiteConfig = {
  id: "shop",
  domains: ["shop.example"],
  timezone: "America/New_York",
  currency: "EUR",
  privacy: { k: 10, epsilon: null, final_only: false },
  attribution: { click_window_days: 30, view_window_days: 1 },
  goals: [
    { name: "purchase", tier: "macro", value: null, currency: null },
    { name: "signup", tier: "micro", value: 5, currency: null },
  ],
  funnels: [],
  collect: { rate_limit: false, honor_gpc: true },
};
// 2026-11-28 03:00 UTC is still the 27th in New York.
const NOW = Date.UTC(2026, 10, 28, 3);
const ctx = (over: Partial<HitContext> = {}): HitContext => ({
  via: "beacon", now: NOW, origin: "https://shop.example", referer: null, userAgent: BROWSER_UA, country: "US", gpc: false, ...over,
});
const codes = (r: { problems: { code: string }[] }) => r.problems.map((p) => p.code);

describe("checkHit", () => {
  it("builds the stored event of a valid pageview: site-local day, receive time, scrubbed URL, touch, coarse context", () => {
    const r = checkHit({ s: "shop", u: "https://shop.example/?utm_source=news&email=a@b.example", r: "https://www.google.com/" }, site, ctx({ userAgent: IPHONE_UA }));
    expect(r.problems).toEqual([]);
    expect(r.event).toMatchObject({
      site: "shop", day: "2026-11-27", ts: NOW, received_at: NOW, name: "pageview", via: "beacon", visitor: null,
      url: "https://shop.example/?utm_source=news", touch_kind: "landing", source: "news", medium: "(none)",
      value: null, currency: null, journey: null, country: "US", device: "mobile",
    });
  });

  it("applies goal defaults and the site's currency; decodes the journey of a conversion", () => {
    const journey = encodeJournal([{ time: NOW - 86_400_000, source: "ig", medium: "social", campaign: "spring", content: null, term: null, view: false }]);
    expect(checkHit({ s: "shop", n: "signup" }, site, ctx()).event).toMatchObject({ value: 5, currency: "EUR" });
    const buy = checkHit({ s: "shop", n: "purchase", v: "49.9", i: "order-1", j: journey }, site, ctx());
    expect(buy.problems).toEqual([]);
    expect(buy.event).toMatchObject({ value: 49.9, currency: "EUR", event_id: "order-1" });
    expect(buy.event?.journey).toEqual([{ time: NOW - 86_400_000, source: "ig", medium: "social", campaign: "spring", content: null, term: null, view: false }]);
  });

  it("drops journey fields that are personal data", () => {
    const j = JSON.stringify([[1795700000, "ig", "social", "ann@mail.example"]]);
    expect(checkHit({ s: "shop", n: "purchase", j }, site, ctx()).event?.journey?.[0]?.campaign).toBe("(none)");
  });

  it("reports every bad field at once", () => {
    const r = checkHit({ s: "shop", n: "refund", v: "-3", c: "euro", i: "x".repeat(200), u: "nope" }, site, ctx());
    expect(codes(r).sort()).toEqual(["event_id_too_long", "invalid_currency", "invalid_url", "invalid_value", "unknown_event"]);
    expect(r.problems.map((p) => p.field).sort()).toEqual(["c", "i", "n", "u", "v"]);
  });

  it("marks t=1 (or \"t\": 1) a test event and refuses any other t", () => {
    expect(checkHit({ s: "shop", t: "1" }, site, ctx())).toMatchObject({ problems: [], test: true });
    expect(checkHit({ s: "shop", t: 1 }, site, ctx())).toMatchObject({ problems: [], test: true });
    expect(checkHit({ s: "shop", t: "0" }, site, ctx())).toMatchObject({ problems: [], test: false });
    expect(checkHit({ s: "shop" }, site, ctx())).toMatchObject({ problems: [], test: false });
    expect(checkHit({ s: "shop", t: "yes" }, site, ctx()).problems).toEqual([expect.objectContaining({ code: "invalid_test", field: "t" })]);
  });

  it("knows no event without a known site", () => {
    expect(checkHit({}, null, ctx())).toEqual({ event: null, problems: [expect.objectContaining({ code: "missing_site", field: "s" })], test: false });
    expect(codes(checkHit({ s: "nope" }, null, ctx()))).toEqual(["unknown_site"]);
  });

  it("flags bots (and hits without a user agent), foreign origins, and GPC where the site honours it", () => {
    expect(codes(checkHit({ s: "shop" }, site, ctx({ userAgent: BOT_UA })))).toEqual(["bot"]);
    expect(codes(checkHit({ s: "shop" }, site, ctx({ userAgent: null })))).toEqual(["bot"]);
    expect(codes(checkHit({ s: "shop" }, site, ctx({ origin: "https://evil.example" })))).toEqual(["foreign_origin"]);
    expect(codes(checkHit({ s: "shop" }, site, ctx({ gpc: true })))).toEqual(["gpc"]);
    expect(codes(checkHit({ s: "shop" }, { ...site, collect: { rate_limit: false, honor_gpc: false } }, ctx({ gpc: true })))).toEqual([]);
  });

  it("lets an e-mail pixel (no Origin, Referer or u) pass", () => {
    expect(codes(checkHit({ s: "shop", n: "pageview" }, site, ctx({ origin: null, via: "pixel" })))).toEqual([]);
  });
});
