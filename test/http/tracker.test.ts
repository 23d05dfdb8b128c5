import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IRequest } from "itty-router";
import { getAdsTracker, getTracker } from "../../src/routes/tracker";
import { TRACKER_ADS_JS, TRACKER_JS } from "../../src/tracker/bundle.gen";
import { call } from "../helpers/http";

// /t.js itself is a static asset (public/t.js): the platform serves it without the Worker, with
// public/_headers' caching (checked against wrangler dev in test/browser/assets.test.mjs). Here:
// what the Worker answers when it does see the path (under a prefix, or assets bypassed).

async function assetEtag(file = "/t.js"): Promise<string> {
  const res = await env.ASSETS.fetch(`https://edge.test${file}`);
  await res.arrayBuffer();
  return res.headers.get("etag")!;
}

describe("GET /t.js through the Worker", () => {
  it("serves the built script (public/t.js = the bundle) as JavaScript, cacheable, with the asset's ETag", async () => {
    const res = await call("/t.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600, stale-while-revalidate=86400");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{16,}"$/);
    expect(etag).toBe(await assetEtag());
    expect(await res.text()).toBe(TRACKER_JS);
  });

  it("answers 304 without a body for an If-None-Match naming the ETag", async () => {
    const etag = await assetEtag();
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await call("/t.js", { headers: { "if-none-match": inm } });
      expect(res.status, inm).toBe(304);
      expect(res.headers.get("etag")).toBe(etag);
      expect(res.headers.get("cache-control")).toMatch(/max-age=3600/);
      expect(await res.text()).toBe("");
    }
  });

  it("answers 200 for a stale ETag", async () => {
    const res = await call("/t.js", { headers: { "if-none-match": '"0123456789abcdef0123456789abcdef"' } });
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBe(TRACKER_JS.length);
  });

  it("answers the same asset whatever path routed the request to it (/et/t.js under a prefix)", async () => {
    const req = new Request("https://shop.example/et/t.js") as unknown as IRequest;
    const res = await getTracker(req, env);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(await assetEtag());
    expect(await res.text()).toBe(TRACKER_JS);
  });
});

describe("GET /t-ads.js (the ads build, with click ids) through the Worker", () => {
  it("serves the ads bundle (public/t-ads.js) with the same headers as /t.js and its own ETag", async () => {
    const res = await call("/t-ads.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600, stale-while-revalidate=86400");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = res.headers.get("etag");
    expect(etag).toBe(await assetEtag("/t-ads.js"));
    expect(etag).not.toBe(await assetEtag("/t.js"));
    expect(await res.text()).toBe(TRACKER_ADS_JS);
  });

  it("the assets are the generated bundles (public/ = src/tracker/bundle.gen.ts), two different scripts", async () => {
    for (const [file, js] of [
      ["/t.js", TRACKER_JS],
      ["/t-ads.js", TRACKER_ADS_JS],
    ]) {
      const res = await env.ASSETS.fetch(`https://edge.test${file}`);
      expect(await res.text(), file).toBe(js);
    }
    expect(TRACKER_ADS_JS).not.toBe(TRACKER_JS);
  });

  it("answers 304 for its own ETag, 200 for /t.js's", async () => {
    const etag = await assetEtag("/t-ads.js");
    const res = await call("/t-ads.js", { headers: { "if-none-match": etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
    const other = await call("/t-ads.js", { headers: { "if-none-match": await assetEtag("/t.js") } });
    expect(other.status).toBe(200);
    expect(await other.text()).toBe(TRACKER_ADS_JS);
  });

  it("answers the ads asset under a prefix (/et/t-ads.js)", async () => {
    const req = new Request("https://shop.example/et/t-ads.js") as unknown as IRequest;
    const res = await getAdsTracker(req, env);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(await assetEtag("/t-ads.js"));
    expect(await res.text()).toBe(TRACKER_ADS_JS);
  });
});
