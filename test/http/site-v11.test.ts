import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, createSite, errorOf, withJson } from "../helpers/http";

const auth = { headers: { authorization: `Bearer ${ADMIN}` } };

describe("v1.1 site fields over the admin API", () => {
  it("answers, stores and shows privacy.period, limits and aliases with their defaults", async () => {
    const created = await createSite({ id: "v11", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    expect(created).toMatchObject({ privacy: { period: "auto" }, limits: { touches_per_day: 5000, collect_per_minute: 600 }, aliases: {} });
    const patched = await call("/v1/admin/sites/v11", withJson("PATCH", { limits: { collect_per_minute: 0 }, aliases: { "Order Completed": "purchase" }, privacy: { period: "day" } }, ADMIN));
    expect(patched.status).toBe(200);
    const got = (await (await call("/v1/admin/sites/v11", auth)).json()) as Record<string, unknown>;
    expect(got).toMatchObject({ privacy: { k: 10, period: "day" }, limits: { touches_per_day: 5000, collect_per_minute: 0 }, aliases: { "Order Completed": "purchase" } });
  });

  it("shows the defaults for a site stored before v1.1", async () => {
    const old = {
      id: "pre11", domains: ["old.example"], timezone: "UTC", currency: "USD", privacy: { k: 10, epsilon: null, final_only: false },
      attribution: { click_window_days: 30, view_window_days: 1 }, goals: [], funnels: [], collect: { rate_limit: false, honor_gpc: true },
    };
    await env.DB.prepare("INSERT INTO sites (id, config, ingest_key_hash, read_key_hash, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind("pre11", JSON.stringify(old), "h-ingest-pre11", "h-read-pre11", "secret", 0, 0)
      .run();
    const got = (await (await call("/v1/admin/sites/pre11", auth)).json()) as Record<string, unknown>;
    expect(got).toMatchObject({ privacy: { period: "auto" }, limits: { touches_per_day: 5000, collect_per_minute: 600 }, aliases: {} });
  });

  it("refuses a bad v1.1 field in the contract's error shape", async () => {
    const res = await call("/v1/admin/sites", withJson("POST", { id: "v11-bad", domains: ["shop.example"], aliases: { "Order Completed": "purchase" } }, ADMIN));
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toEqual({
      code: "unknown_alias_target",
      message: "The alias `Order Completed` leads to `purchase`, which is neither `pageview` nor a goal of this site.",
      field: "aliases.Order Completed",
    });
  });
});
