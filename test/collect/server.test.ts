import { describe, expect, it } from "vitest";
import { checkServerEvent } from "../../src/collect/server";
import type { SiteConfig } from "../../src/sites/config";
import { BOT_UA, BROWSER_UA } from "../ingest/helpers";

const site: SiteConfig = {
  id: "shop",
  domains: ["shop.example"],
  timezone: "Europe/Berlin",
  currency: "USD",
  privacy: { k: 10, epsilon: null, final_only: false },
  attribution: { click_window_days: 30, view_window_days: 1 },
  goals: [{ name: "purchase", tier: "macro", value: null, currency: null }],
  funnels: [],
  collect: { rate_limit: false, honor_gpc: true },
};
const NOW = Date.UTC(2026, 10, 28, 23, 30); // 00:30 on the 29th in Berlin
const T = NOW / 1000 - 600;

describe("checkServerEvent", () => {
  it("builds the stored event: event time and its site-local day, journey sorted, client kept aside", () => {
    const r = checkServerEvent(
      {
        name: "purchase", time: T, event_id: "order-1001", url: "https://shop.example/thanks?phone=123&utm_source=Mail", value: 49.9, currency: "eur",
        touches: [
          { time: T - 100, source: "Google", medium: "CPC", campaign: "b" },
          { time: T - 5000, source: "instagram", medium: "social", campaign: "spring", content: null, term: null, view: true },
        ],
        client: { ip: "203.0.113.9", user_agent: BROWSER_UA },
      },
      0, site, NOW,
    );
    expect(r.problems).toEqual([]);
    expect(r.client).toEqual({ ip: "203.0.113.9", userAgent: BROWSER_UA });
    expect(r.event).toMatchObject({
      site: "shop", day: "2026-11-29", ts: T * 1000, received_at: NOW, via: "server", value: 49.9, currency: "EUR",
      url: "https://shop.example/thanks?utm_source=Mail", touch_kind: "landing", source: "mail", country: null, device: "desktop",
    });
    expect(r.event?.journey?.map((t) => [t.source, t.medium, t.view])).toEqual([["instagram", "social", true], ["google", "cpc", false]]);
    expect(JSON.stringify(r.event)).not.toContain("203.0.113.9");
  });

  it("takes \"test\": true as a test event (not stored: the caller's business) and refuses other values", () => {
    expect(checkServerEvent({ name: "purchase", test: true }, 0, site, NOW)).toMatchObject({ problems: [], test: true });
    expect(checkServerEvent({ name: "purchase", test: false }, 0, site, NOW)).toMatchObject({ problems: [], test: false });
    expect(checkServerEvent({ name: "purchase" }, 0, site, NOW)).toMatchObject({ problems: [], test: false });
    expect(checkServerEvent({ name: "purchase", test: "yes" }, 2, site, NOW).problems).toEqual([expect.objectContaining({ code: "invalid_test", field: "events.2.test" })]);
  });

  it("rejects with field paths into the request body", () => {
    const r = checkServerEvent({ name: "purchase", value: -1, touches: [{ time: T }], extra: 1 }, 3, site, NOW);
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ code: "unknown_field", field: "events.3.extra" }),
      expect.objectContaining({ code: "invalid_value", field: "events.3.value" }),
      expect.objectContaining({ code: "invalid_touch", field: "events.3.touches.0.source" }),
    ]));
  });

  it("requires a name, and refuses non-objects and too many touches", () => {
    expect(checkServerEvent({ time: T }, 0, site, NOW).problems[0]).toMatchObject({ code: "required", field: "events.0.name" });
    expect(checkServerEvent("purchase", 1, site, NOW).problems[0]).toMatchObject({ code: "invalid_event", field: "events.1" });
    const touches = Array.from({ length: 51 }, () => ({ time: T, source: "a" }));
    expect(checkServerEvent({ name: "purchase", touches }, 0, site, NOW).problems[0]).toMatchObject({ code: "too_many_touches" });
  });

  it("rejects a bot client.user_agent with code bot, and derives no visitor without both ip and user agent", () => {
    expect(checkServerEvent({ name: "purchase", client: { ip: "1.2.3.4", user_agent: BOT_UA } }, 0, site, NOW).problems[0]).toMatchObject({ code: "bot" });
    const r = checkServerEvent({ name: "purchase", client: { ip: "1.2.3.4" } }, 0, site, NOW);
    expect(r.problems).toEqual([]);
    expect(r.client).toBeNull();
  });
});
