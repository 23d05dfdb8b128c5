import { describe, expect, it } from "vitest";
import { checkHit, type HitContext } from "../../src/collect/hit";
import { checkServerEvent } from "../../src/collect/server";
import { CLICK_ID_KEYS, CLICK_ID_MAX } from "../../src/schemas/server-event";
import { parseNewSite } from "../../src/sites/config";

const site = parseNewSite({ id: "shop", domains: ["shop.example"], goals: [{ name: "purchase" }] });
const NOW = Date.UTC(2026, 10, 28, 12);
const check = (e: Record<string, unknown>) => checkServerEvent({ name: "purchase", ...e }, 0, site, NOW);

describe("v1.1 ServerEvent fields: user, click_ids, consent, test", () => {
  it("are validated and carried in memory, never in the event that is stored", () => {
    const user = { email: "ann@mail.example", phone: "+49 170 5550199", external_id: "crm-42" };
    const click_ids = Object.fromEntries(CLICK_ID_KEYS.map((k) => [k, `${k}-value`]));
    const r = check({ user, click_ids, consent: { ad_user_data: true, ad_personalization: false }, test: true });
    expect(r.problems).toEqual([]);
    expect(r.extras).toEqual({ user, click_ids, consent: { ad_user_data: true, ad_personalization: false }, test: true });
    const stored = JSON.stringify(r.event);
    for (const s of ["ann@mail.example", "5550199", "crm-42", "gclid-value", "fbp-value"]) expect(stored).not.toContain(s);
    expect(Object.keys(r.event!)).not.toEqual(expect.arrayContaining(["user"]));
  });

  it("are optional", () => {
    const r = check({});
    expect(r.problems).toEqual([]);
    expect(r.extras).toEqual({ user: undefined, click_ids: undefined, consent: undefined, test: undefined });
  });

  it.each([
    [{ user: "ann@mail.example" }, "invalid_user", "events.0.user"],
    [{ user: [] }, "invalid_user", "events.0.user"],
    [{ user: { email: "x".repeat(257) } }, "invalid_user", "events.0.user.email"],
    [{ user: { phone: 491705550199 } }, "invalid_user", "events.0.user.phone"],
    [{ user: { email: "a\nb@mail.example" } }, "invalid_user", "events.0.user.email"],
    [{ user: { name: "Ann" } }, "unknown_field", "events.0.user.name"],
    [{ click_ids: { gclid: "x".repeat(CLICK_ID_MAX + 1) } }, "invalid_click_id", "events.0.click_ids.gclid"],
    [{ click_ids: { dclid: "x" } }, "unknown_field", "events.0.click_ids.dclid"],
    [{ click_ids: "gclid" }, "invalid_click_ids", "events.0.click_ids"],
    [{ consent: { ad_user_data: "yes" } }, "invalid_consent", "events.0.consent.ad_user_data"],
    [{ consent: { analytics: true } }, "unknown_field", "events.0.consent.analytics"],
    [{ test: 1 }, "invalid_test", "events.0.test"],
  ])("refuses %j with %s at %s", (e, code, field) => {
    expect(check(e).problems[0]).toMatchObject({ code, field });
  });

  it("accepts bounds exactly at the limit", () => {
    expect(check({ user: { email: "x".repeat(256) }, click_ids: { gclid: "x".repeat(CLICK_ID_MAX) } }).problems).toEqual([]);
  });

  it("names the absolute field in the message", () => {
    expect(check({ user: { email: 5 } }).problems[0]!.message).toBe("`events.0.user.email` is a string of at most 256 printable characters, or null.");
  });
});

describe("browser hit `t`", () => {
  const ctx: HitContext = { via: "beacon", now: NOW, origin: "https://shop.example", referer: null, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", country: null, gpc: false };
  it("t=1 (pixel text) or 1 (beacon) marks a test hit; 0 or nothing does not", () => {
    expect(checkHit({ s: "shop", t: "1" }, site, ctx).test).toBe(true);
    expect(checkHit({ s: "shop", t: 1 }, site, ctx).test).toBe(true);
    expect(checkHit({ s: "shop", t: 0 }, site, ctx).test).toBe(false);
    expect(checkHit({ s: "shop" }, site, ctx).test).toBe(false);
    expect(checkHit({ s: "shop", t: "1" }, site, ctx).problems).toEqual([]);
  });
  it("anything else is a problem at t", () => {
    expect(checkHit({ s: "shop", t: "yes" }, site, ctx).problems).toEqual([expect.objectContaining({ code: "invalid_test", field: "t" })]);
    expect(checkHit({ s: "shop", t: true }, site, ctx).problems).toEqual([expect.objectContaining({ code: "invalid_test", field: "t" })]);
  });
});
