import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, createSite, errorOf, withJson } from "../helpers/http";

describe("admin sites API", () => {
  it("creates a site with defaults and returns both keys once", async () => {
    const site = await createSite({ id: "shop", domains: ["Shop.Example"] });
    expect(site).toMatchObject({
      id: "shop",
      domains: ["shop.example"],
      timezone: "UTC",
      currency: "USD",
      privacy: { k: 10, epsilon: null, final_only: false },
      attribution: { click_window_days: 30, view_window_days: 1 },
      goals: [],
      funnels: [],
    });
    expect(site.ingest_key).toMatch(/^eti_[A-Za-z0-9_-]{43}$/);
    expect(site.read_key).toMatch(/^etr_[A-Za-z0-9_-]{43}$/);
    const got = await call("/v1/admin/sites/shop", { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(got.status).toBe(200);
    const body = (await got.json()) as Record<string, unknown>;
    expect(body.ingest_key).toBeUndefined();
    expect(body.read_key).toBeUndefined();
    // Stored hashed: the raw key appears nowhere in the row.
    const row = await env.DB.prepare("SELECT * FROM sites WHERE id = 'shop'").first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(site.ingest_key);
    expect(JSON.stringify(row)).not.toContain(site.read_key);
  });

  it("refuses a second site with the same id (409)", async () => {
    await createSite({ id: "dup", domains: ["a.example"] });
    const res = await call("/v1/admin/sites", withJson("POST", { id: "dup", domains: ["b.example"] }, ADMIN));
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ code: "site_exists", field: "id" });
  });

  it.each([
    [{ domains: ["a.example"] }, "required", "id"],
    [{ id: "x" }, "required", "domains"],
    [{ id: "Bad Id", domains: ["a.example"] }, "invalid_id", "id"],
    [{ id: "x", domains: [] }, "invalid_domains", "domains"],
    [{ id: "x", domains: ["https://a.example/"] }, "invalid_domain", "domains.0"],
    [{ id: "x", domains: ["a.example"], timezone: "Mars/Base" }, "invalid_timezone", "timezone"],
    [{ id: "x", domains: ["a.example"], currency: "eur" }, "invalid_currency", "currency"],
    [{ id: "x", domains: ["a.example"], currency: "XYZ" }, "invalid_currency", "currency"],
    [{ id: "x", domains: ["a.example"], privacy: { k: 0 } }, "out_of_range", "privacy.k"],
    [{ id: "x", domains: ["a.example"], privacy: { epsilon: -1 } }, "out_of_range", "privacy.epsilon"],
    [{ id: "x", domains: ["a.example"], attribution: { click_window_days: 0 } }, "out_of_range", "attribution.click_window_days"],
    [{ id: "x", domains: ["a.example"], goals: [{ name: "pageview" }] }, "reserved_name", "goals.0.name"],
    [{ id: "x", domains: ["a.example"], goals: [{ name: "a" }, { name: "a" }] }, "duplicate_goal", "goals.1.name"],
    [{ id: "x", domains: ["a.example"], goals: [{ name: "a", tier: "mega" }] }, "invalid_tier", "goals.0.tier"],
    [{ id: "x", domains: ["a.example"], goals: [{ name: "a", value: -5 }] }, "invalid_value", "goals.0.value"],
    [{ id: "x", domains: ["a.example"], funnels: [{ name: "f", steps: ["pageview", "buy"] }] }, "unknown_step", "funnels.0.steps.1"],
    [{ id: "x", domains: ["a.example"], colour: "red" }, "unknown_field", "colour"],
  ])("rejects %j with 422 %s at %s", async (body, code, field) => {
    const res = await call("/v1/admin/sites", withJson("POST", body, ADMIN));
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code, field });
  });

  it("accepts localhost and IP literals as domains", async () => {
    const site = await createSite({ id: "local", domains: ["localhost", "127.0.0.1", "::1"] });
    expect(site.domains).toEqual(["localhost", "127.0.0.1", "::1"]);
  });

  it("answers 400 for malformed JSON and 401/403 for missing or wrong tokens", async () => {
    const bad = await call("/v1/admin/sites", withJson("POST", "{nope", ADMIN));
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("malformed_json");
    const none = await call("/v1/admin/sites", withJson("POST", { id: "x", domains: ["a.example"] }));
    expect(none.status).toBe(401);
    const wrong = await call("/v1/admin/sites", withJson("POST", { id: "x", domains: ["a.example"] }, "nope"));
    expect(wrong.status).toBe(403);
    expect(await errorOf(wrong)).toMatchObject({ code: "forbidden" });
  });

  it("patches nested settings, keeps the rest, and refuses to change the id", async () => {
    await createSite({ id: "p", domains: ["p.example"], goals: [{ name: "purchase" }], privacy: { k: 5 } });
    const res = await call("/v1/admin/sites/p", withJson("PATCH", { privacy: { epsilon: 1 }, timezone: "Europe/Berlin" }, ADMIN));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ privacy: { k: 5, epsilon: 1, final_only: false }, timezone: "Europe/Berlin", goals: [{ name: "purchase", tier: "macro" }] });
    const idChange = await call("/v1/admin/sites/p", withJson("PATCH", { id: "q" }, ADMIN));
    expect(idChange.status).toBe(422);
    const missing = await call("/v1/admin/sites/nope", withJson("PATCH", { timezone: "UTC" }, ADMIN));
    expect(missing.status).toBe(404);
  });

  it("rotates keys: the new ones are returned, the old hashes are replaced", async () => {
    const site = await createSite({ id: "r", domains: ["r.example"] });
    const res = await call("/v1/admin/sites/r/keys", { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    const keys = (await res.json()) as { ingest_key: string; read_key: string };
    expect(keys.ingest_key).not.toBe(site.ingest_key);
    expect(keys.read_key).not.toBe(site.read_key);
    const notFound = await call("/v1/admin/sites/zzz/keys", { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(notFound.status).toBe(404);
  });

  it("DELETE erases every row of the site and nothing of other sites", async () => {
    await createSite({ id: "gone", domains: ["g.example"] });
    await createSite({ id: "kept", domains: ["k.example"] });
    for (const site of ["gone", "kept"]) {
      await env.DB.batch([
        env.DB.prepare("INSERT INTO salts (site, day, salt, expires_at) VALUES (?, '2026-11-01', 's', 0)").bind(site),
        env.DB.prepare("INSERT INTO events (site, day, ts, received_at, name, via) VALUES (?, '2026-11-01', 0, 0, 'pageview', 'pixel')").bind(site),
        env.DB.prepare("INSERT INTO atoms (site, day, source, medium, campaign, goal, model) VALUES (?, '2026-11-01', 's', 'm', 'c', '(macro)', 'last_click')").bind(site),
        env.DB.prepare("INSERT INTO spend (site, day, source, medium, campaign, currency, cost) VALUES (?, '2026-11-01', 's', '', 'c', 'USD', 1)").bind(site),
      ]);
    }
    const res = await call("/v1/admin/sites/gone", { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(204);
    for (const table of ["salts", "events", "atoms", "spend"]) {
      const counts = await env.DB.prepare(`SELECT site, COUNT(*) AS n FROM ${table} GROUP BY site`).all<{ site: string; n: number }>();
      expect(counts.results, table).toEqual([{ site: "kept", n: 1 }]);
    }
    const again = await call("/v1/admin/sites/gone", { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(again.status).toBe(404);
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await call("/nope");
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("not_found");
  });
});

describe("request bodies", () => {
  it("takes JSON sent with curl's default form content type, refuses XML with 415", async () => {
    const form = await call("/v1/admin/sites", {
      method: "POST",
      body: JSON.stringify({ id: "curl", domains: ["c.example"] }),
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(201);
    const xml = await call("/v1/admin/sites", { method: "POST", body: "<site/>", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/xml" } });
    expect(xml.status).toBe(415);
    expect((await errorOf(xml)).code).toBe("unsupported_media_type");
  });

  it("refuses bodies over the limit with 413, whatever Content-Length says", async () => {
    const big = JSON.stringify({ id: "big", domains: ["b.example"], pad: "x".repeat(70_000) });
    const res = await call("/v1/admin/sites", withJson("POST", big, ADMIN));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("body_too_large");
  });
});

describe("failed-authentication rate limit", () => {
  it("answers 429 with Retry-After after repeated failures from one IP, never to a correct token", async () => {
    const from = { "cf-connecting-ip": "198.51.100.77" };
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await call("/v1/admin/sites/none", { headers: { authorization: "Bearer wrong", ...from } });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("60");
    }
    expect(statuses.slice(0, 20).every((s) => s === 403)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another IP is unaffected, and the right token from the limited IP still works.
    const other = await call("/v1/admin/sites/none", { headers: { authorization: "Bearer wrong", "cf-connecting-ip": "198.51.100.78" } });
    expect(other.status).toBe(403);
    const ok = await call("/v1/admin/sites/none", { headers: { authorization: `Bearer ${ADMIN}`, ...from } });
    expect(ok.status).toBe(404);
  });
});
