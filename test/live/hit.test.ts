import { describe, expect, it } from "vitest";
import { judge, liveHit, scrubText, sentName } from "../../src/live/hit";
import { cleanEvent } from "../ingest/helpers";

const p = (code: string, field?: string) => ({ code, message: `problem ${code}`, ...(field ? { field } : {}) });

describe("judge", () => {
  it("drops by who sent the hit before what it holds, and the rest as invalid", () => {
    expect(judge([p("invalid_value"), p("foreign_origin"), p("bot")])).toEqual({ outcome: "dropped", reason: "bot" });
    expect(judge([p("unknown_event"), p("foreign_origin")])).toEqual({ outcome: "dropped", reason: "foreign_origin" });
    expect(judge([p("invalid_value"), p("gpc")])).toEqual({ outcome: "dropped", reason: "consent" });
    expect(judge([p("invalid_value"), p("unknown_event")])).toEqual({ outcome: "dropped", reason: "unknown_event" });
    expect(judge([p("invalid_url")])).toEqual({ outcome: "dropped", reason: "invalid" });
    expect(judge([p("invalid_test")], { test: true })).toEqual({ outcome: "dropped", reason: "invalid" });
  });

  it("applies the rate limit only to hits that would pass, then duplicates, then test or accepted", () => {
    expect(judge([p("bot")], { rateLimited: true })).toEqual({ outcome: "dropped", reason: "bot" });
    expect(judge([], { rateLimited: true, test: true })).toEqual({ outcome: "dropped", reason: "rate_limited" });
    expect(judge([p("duplicate")])).toEqual({ outcome: "duplicate", reason: null });
    expect(judge([], { duplicate: true, test: false })).toEqual({ outcome: "duplicate", reason: null });
    expect(judge([], { test: true })).toEqual({ outcome: "test", reason: null });
    expect(judge([])).toEqual({ outcome: "accepted", reason: null });
  });
});

describe("scrubText and sentName", () => {
  it("replaces e-mail addresses and phone-shaped runs, keeps other numbers", () => {
    expect(scrubText("Unknown field `ann@mail.example`.")).toBe("Unknown field `redacted`.");
    expect(scrubText("call +49 170 5550199 now")).toBe("call redacted now");
    expect(scrubText("at most 2048 characters, 7 days, 128")).toBe("at most 2048 characters, 7 days, 128");
    expect(scrubText("order 2026-11-28 from 127.0.0.1")).toBe("order 2026-11-28 from 127.0.0.1");
    expect(scrubText("tel:(030) 555-0199")).toBe("tel:redacted");
  });

  it("keeps a sent name short and scrubbed; a non-string is null", () => {
    expect(sentName("Purchase")).toBe("Purchase");
    expect(sentName("x".repeat(500))).toBe(`${"x".repeat(64)}…`);
    expect(sentName("ann@mail.example")).toBe("redacted");
    expect(sentName(42)).toBeNull();
    expect(sentName(undefined)).toBeNull();
  });
});

describe("liveHit", () => {
  it("shows the event's fields for a good hit, and the sent name when the name is what is wrong", () => {
    const event = cleanEvent({ site: "shop", name: "purchase", url: "https://shop.example/t", source: "news", medium: "email", campaign: "Dec", value: 5, currency: "EUR", event_id: "o-1" });
    expect(liveHit("beacon", 1000, event, "purchase", [], { test: true })).toEqual({
      at: 1000, via: "beacon", name: "purchase", outcome: "test", reason: null, url: "https://shop.example/t",
      touch: { source: "news", medium: "email", campaign: "Dec", content: null, term: null }, value: 5, currency: "EUR", event_id: "o-1", errors: [],
    });
    const wrong = liveHit("pixel", 1000, cleanEvent({ name: "pageview" }), "Purchase", [p("unknown_event", "n")]);
    expect(wrong).toMatchObject({ name: "Purchase", outcome: "dropped", reason: "unknown_event", errors: [p("unknown_event", "n")] });
  });

  it("has empty fields for a hit that never became an event, and scrubs messages and fields", () => {
    const h = liveHit("server", 1000, null, undefined, [{ code: "unknown_field", message: "Unknown field `a@b.example`.", field: "events.0.a@b.example" }]);
    expect(h).toMatchObject({ name: null, url: null, value: null, event_id: null, touch: { source: null, term: null } });
    expect(h.errors).toEqual([{ code: "unknown_field", message: "Unknown field `redacted`.", field: "redacted" }]);
  });
});
