import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSite as createSiteService } from "../../src/sites/service";
import { ADMIN, call, createSite, errorOf, withJson } from "../helpers/http";
import { META_TOKEN, PIXEL, WEBHOOK_SECRET, WEBHOOK_URL } from "./fakes";

const hook = { id: "hook", type: "webhook", url: WEBHOOK_URL, secret: WEBHOOK_SECRET, events: { purchase: "purchase" } };
const meta = { id: "meta", type: "meta", pixel_id: PIXEL, access_token: META_TOKEN, test_event_code: "TEST123", events: { purchase: "Purchase" } };
const site = (id: string, destinations: unknown[]) => ({ id, domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup" }], destinations });
const get = async (id: string) => (await (await call(`/v1/admin/sites/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { destinations: Record<string, unknown>[] };
const patch = (id: string, body: unknown) => call(`/v1/admin/sites/${id}`, withJson("PATCH", body, ADMIN));

describe("destinations", () => {
  it("are write-only: masked on every answer, encrypted at rest", async () => {
    const created = await createSite(site("dst-mask", [hook, meta]));
    expect((created as unknown as { destinations: Record<string, unknown>[] }).destinations[0]!.secret).toBe("••••cdef");
    const got = await get("dst-mask");
    expect(got.destinations.map((d) => d.secret ?? d.access_token)).toEqual(["••••cdef", "••••7890"]);
    expect(got.destinations[1]).toMatchObject({ pixel_id: PIXEL, test_event_code: "TEST123", events: { purchase: "Purchase" } });
    const row = await env.DB.prepare("SELECT config FROM sites WHERE id = 'dst-mask'").first<{ config: string }>();
    expect(row!.config).not.toContain(WEBHOOK_SECRET);
    expect(row!.config).not.toContain(META_TOKEN);
    expect(row!.config).toMatch(/enc1:/);
  });

  it("a PATCH repeating the masked value keeps the stored secret; a masked value of another secret is refused", async () => {
    await createSite(site("dst-patch", [hook]));
    const before = (await env.DB.prepare("SELECT config FROM sites WHERE id = 'dst-patch'").first<{ config: string }>())!.config;
    const sealed = (JSON.parse(before) as { destinations: { secret: string }[] }).destinations[0]!.secret;
    const res = await patch("dst-patch", { destinations: [{ ...hook, secret: "••••cdef", events: { purchase: "order" } }] });
    expect(res.status).toBe(200);
    const after = JSON.parse((await env.DB.prepare("SELECT config FROM sites WHERE id = 'dst-patch'").first<{ config: string }>())!.config) as { destinations: { secret: string; events: unknown }[] };
    expect(after.destinations[0]!.secret).toBe(sealed);
    expect(after.destinations[0]!.events).toEqual({ purchase: "order" });
    const wrong = await patch("dst-patch", { destinations: [{ ...hook, secret: "••••zzzz" }] });
    expect(wrong.status).toBe(422);
    expect(await errorOf(wrong)).toMatchObject({ code: "invalid_secret", field: "destinations.0.secret" });
    // Another PATCH field leaves the destinations (and their secrets) alone.
    expect((await patch("dst-patch", { timezone: "Europe/Berlin" })).status).toBe(200);
    expect((JSON.parse((await env.DB.prepare("SELECT config FROM sites WHERE id = 'dst-patch'").first<{ config: string }>())!.config) as { destinations: { secret: string }[] }).destinations[0]!.secret).toBe(sealed);
  });

  it("refuses unknown types, platforms not implemented, foreign goals, duplicate ids and bad fields", async () => {
    const cases: [unknown, string, string][] = [
      [{ ...hook, type: "snapchat" }, "invalid_destination_type", "destinations.0.type"],
      [{ ...hook, type: "tiktok" }, "required", "destinations.0.pixel_code"],
      [{ ...hook, events: { refund: "refund" } }, "unknown_goal", "destinations.0.events.refund"],
      [{ ...hook, url: "http://crm.example/x" }, "invalid_url", "destinations.0.url"],
      [{ ...hook, secret: "short" }, "invalid_secret", "destinations.0.secret"],
      [{ ...meta, pixel_id: "abc" }, "invalid_pixel_id", "destinations.0.pixel_id"],
      [{ ...meta, extra: 1 }, "unknown_field", "destinations.0.extra"],
      [{ ...hook, events: {} }, "invalid_events", "destinations.0.events"],
    ];
    for (const [d, code, field] of cases) {
      const res = await call("/v1/admin/sites", withJson("POST", site("dst-bad", [d]), ADMIN));
      expect(res.status, JSON.stringify(d)).toBe(422);
      expect(await errorOf(res)).toMatchObject({ code, field });
    }
    const dup = await call("/v1/admin/sites", withJson("POST", site("dst-bad", [hook, { ...meta, id: "hook" }]), ADMIN));
    expect(await errorOf(dup)).toMatchObject({ code: "duplicate_destination" });
    const many = await call("/v1/admin/sites", withJson("POST", site("dst-bad", Array.from({ length: 11 }, (_, i) => ({ ...hook, id: `h${i}` }))), ADMIN));
    expect(await errorOf(many)).toMatchObject({ code: "too_many", field: "destinations" });
    // Removing a goal a destination forwards is refused.
    await createSite(site("dst-goal", [hook]));
    const res = await patch("dst-goal", { goals: [{ name: "signup" }] });
    expect(await errorOf(res)).toMatchObject({ code: "unknown_goal" });
  });

  it("a site with destinations and no DESTINATIONS_KEY (or a bad one) is refused with a clear error", async () => {
    await expect(createSiteService(env.DB, site("dst-nokey", [hook]), Date.now(), undefined)).rejects.toMatchObject({ status: 422, code: "destinations_key_missing" });
    await expect(createSiteService(env.DB, site("dst-nokey", [hook]), Date.now(), "c2hvcnQ=")).rejects.toMatchObject({ status: 422, code: "destinations_key_invalid" });
    // Without destinations no key is needed.
    await expect(createSiteService(env.DB, site("dst-nokey", []), Date.now(), undefined)).resolves.toBeTruthy();
  });
});
