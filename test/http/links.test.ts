import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createSite, errorOf, withJson } from "../helpers/http";

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

async function newLink(key: string, body: Record<string, unknown>): Promise<{ code: string; url: string }> {
  const res = await call("/v1/links", withJson("POST", body, key));
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; url: string };
}

/** Polls the clicks of `code` until they reach `want` (the count is written in waitUntil). */
async function clicks(code: string, want: number): Promise<{ day: string; clicks: number }[]> {
  let rows: { day: string; clicks: number }[] = [];
  for (let i = 0; i < 50; i++) {
    rows = (await env.DB.prepare("SELECT day, clicks FROM link_clicks WHERE code = ? ORDER BY day").bind(code).all<{ day: string; clicks: number }>()).results;
    if (rows.reduce((s, r) => s + r.clicks, 0) >= want) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return rows;
}

describe("POST /v1/links", () => {
  it("creates a link with an unguessable code and answers its URL on this Worker", async () => {
    const site = await createSite({ id: "lk-create", domains: ["shop.example"] });
    const res = await call("/v1/links", withJson("POST", { destination: "https://shop.example/spring", source: "Newsletter", medium: "Email", campaign: "May" }, site.ingest_key));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { code: string; url: string };
    expect(body.code).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(body.url).toBe(`https://edge.test/l/${body.code}`);
    const row = await env.DB.prepare("SELECT * FROM links WHERE code = ?").bind(body.code).first<Record<string, unknown>>();
    expect(row).toMatchObject({ site: "lk-create", destination: "https://shop.example/spring", source: "newsletter", medium: "email", campaign: "May", content: null, term: null });
  });

  it("refuses a destination outside the site's domains with 422 at `destination`", async () => {
    const site = await createSite({ id: "lk-foreign", domains: ["shop.example"] });
    const res = await call("/v1/links", withJson("POST", { destination: "https://evil.example/", source: "x", medium: "y", campaign: "z" }, site.ingest_key));
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code: "invalid_destination", field: "destination" });
  });

  it("needs the site's ingest key: none is 401, a read key is 403", async () => {
    const site = await createSite({ id: "lk-auth", domains: ["shop.example"] });
    const body = { destination: "https://shop.example/", source: "x", medium: "y", campaign: "z" };
    expect((await call("/v1/links", withJson("POST", body))).status).toBe(401);
    const res = await call("/v1/links", withJson("POST", body, site.read_key));
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "forbidden" });
  });

  it("answers 400 for a body that is not JSON", async () => {
    const site = await createSite({ id: "lk-bad", domains: ["shop.example"] });
    const res = await call("/v1/links", withJson("POST", "{nope", site.ingest_key));
    expect(res.status).toBe(400);
  });
});

describe("GET /l/:code", () => {
  it("redirects with the link's utm_* (replacing the destination's), no-store, and counts the click", async () => {
    const site = await createSite({ id: "lk-follow", domains: ["shop.example"] });
    const { code } = await newLink(site.ingest_key, {
      destination: "https://shop.example/p?id=1&utm_source=stale",
      source: "instagram",
      medium: "social",
      campaign: "Spring",
      content: "story",
    });
    const res = await call(`/l/${code}`, { headers: { "user-agent": BROWSER }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const to = new URL(res.headers.get("location")!);
    expect(to.origin + to.pathname).toBe("https://shop.example/p");
    expect(Object.fromEntries(to.searchParams)).toEqual({ id: "1", utm_source: "instagram", utm_medium: "social", utm_campaign: "Spring", utm_content: "story" });
    const rows = await clicks(code, 1);
    expect(rows).toEqual([{ day: new Date().toISOString().slice(0, 10), clicks: 1 }]);
  });

  it("adds up clicks of different visitors on the same day", async () => {
    const site = await createSite({ id: "lk-many", domains: ["shop.example"] });
    const { code } = await newLink(site.ingest_key, { destination: "https://shop.example/", source: "a", medium: "b", campaign: "c" });
    for (let i = 0; i < 3; i++) {
      expect((await call(`/l/${code}`, { headers: { "user-agent": BROWSER, "cf-connecting-ip": `203.0.113.${i}` }, redirect: "manual" })).status).toBe(302);
    }
    expect(await clicks(code, 3)).toEqual([{ day: expect.any(String), clicks: 3 }]);
  });

  it("counts a visitor's clicks on a link once a day, however often they follow it", async () => {
    const site = await createSite({ id: "lk-once", domains: ["shop.example"] });
    const { code } = await newLink(site.ingest_key, { destination: "https://shop.example/", source: "a", medium: "b", campaign: "c" });
    const other = await newLink(site.ingest_key, { destination: "https://shop.example/", source: "a", medium: "b", campaign: "d" });
    const same = { headers: { "user-agent": BROWSER, "cf-connecting-ip": "203.0.113.50" }, redirect: "manual" as const };
    for (let i = 0; i < 20; i++) expect((await call(`/l/${code}`, same)).status).toBe(302);
    // The same visitor's click of another link is that link's click.
    await call(`/l/${other.code}`, same);
    // Another user agent from the same address is another visitor.
    await call(`/l/${code}`, { headers: { "user-agent": `${BROWSER} Edg/130.0`, "cf-connecting-ip": "203.0.113.50" }, redirect: "manual" });
    expect(await clicks(other.code, 1)).toEqual([{ day: expect.any(String), clicks: 1 }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await clicks(code, 2)).toEqual([{ day: expect.any(String), clicks: 2 }]);
    // Only hashes are kept, and only to tell repeat clicks apart.
    const seen = await env.DB.prepare("SELECT visitor FROM link_visitors WHERE code = ?").bind(code).all<{ visitor: string }>();
    expect(seen.results).toHaveLength(2);
    expect(JSON.stringify(seen.results)).not.toContain("203.0.113.50");
  });

  it("counts on the site's local day, not UTC's", async () => {
    // A zone whose date differs from UTC's right now: UTC+14 from 10:00 UTC on, else UTC−11.
    const zone = new Date().getUTCHours() >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
    const site = await createSite({ id: "lk-tz", domains: ["shop.example"], timezone: zone });
    const { code } = await newLink(site.ingest_key, { destination: "https://shop.example/", source: "a", medium: "b", campaign: "c" });
    const before = new Date();
    await call(`/l/${code}`, { headers: { "user-agent": BROWSER }, redirect: "manual" });
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(before);
    expect(local).not.toBe(before.toISOString().slice(0, 10));
    expect((await clicks(code, 1)).map((r) => r.day)).toEqual([local]);
  });

  it("redirects a bot (a link preview) without counting it", async () => {
    const site = await createSite({ id: "lk-bot", domains: ["shop.example"] });
    const { code } = await newLink(site.ingest_key, { destination: "https://shop.example/", source: "a", medium: "b", campaign: "c" });
    const res = await call(`/l/${code}`, { headers: { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" }, redirect: "manual" });
    expect(res.status).toBe(302);
    // A human click afterwards is counted: the bot's was not.
    await call(`/l/${code}`, { headers: { "user-agent": BROWSER }, redirect: "manual" });
    expect((await clicks(code, 1))[0]?.clicks).toBe(1);
  });

  it("never takes a target from the query string", async () => {
    const site = await createSite({ id: "lk-open", domains: ["shop.example"] });
    const { code } = await newLink(site.ingest_key, { destination: "https://shop.example/", source: "a", medium: "b", campaign: "c" });
    const res = await call(`/l/${code}?url=https://evil.example/&destination=https://evil.example/&next=//evil.example`, { redirect: "manual" });
    expect(new URL(res.headers.get("location")!).host).toBe("shop.example");
  });

  it.each([["unknownCode12"], ["short"], ["..%2F..%2Fv1"]])("answers 404 for %s", async (code) => {
    const res = await call(`/l/${code}`, { redirect: "manual" });
    expect(res.status).toBe(404);
    expect(res.headers.get("location")).toBeNull();
    expect(await errorOf(res)).toMatchObject({ code: "link_not_found" });
  });

  it("stops redirecting once the destination's host leaves the site's domains", async () => {
    const site = await createSite({ id: "lk-moved", domains: ["shop.example", "old.example"] });
    const { code } = await newLink(site.ingest_key, { destination: "https://old.example/", source: "a", medium: "b", campaign: "c" });
    const patch = await call("/v1/admin/sites/lk-moved", withJson("PATCH", { domains: ["shop.example"] }, "test-admin-token-0123456789abcdef-0123"));
    expect(patch.status).toBe(200);
    expect((await call(`/l/${code}`, { redirect: "manual" })).status).toBe(404);
  });
});
