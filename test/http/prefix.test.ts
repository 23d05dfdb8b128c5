// CONTRACT.md v1.1: the collection paths (/p.gif, /e, /t.js, /l/:code) answer under any
// one-segment prefix as well as at the root, so `data-api="/et"` with a Workers route
// `shop.example/et/*` works with no configuration. `v1` is the API's namespace, never a prefix.
import { describe, expect, it } from "vitest";
import { isCollectionPrefix } from "../../src/http/prefix";
import { pixelQuery } from "../../src/pixel-first";
import { call, createSite, withJson } from "../helpers/http";
import { BROWSER_UA, waitForEvents } from "../ingest/helpers";

const browser = { "user-agent": BROWSER_UA, "cf-connecting-ip": "198.51.100.9" };
const enc = encodeURIComponent;

describe("pixelQuery (the pixel's fast path)", () => {
  it.each([
    ["https://edge.test/p.gif?s=a", "s=a"],
    ["https://edge.test/et/p.gif?s=a&u=x", "s=a&u=x"],
    ["https://edge.test/edgetally/p.gif", ""],
    ["https://edge.test/et/p.gif#x", ""],
    ["https://edge.test/et/p.gif?s=a#x", "s=a"],
    ["https://edge.test/v1/p.gif?s=a", null],
    ["https://edge.test/V1/p.gif?s=a", null],
    ["https://edge.test/a/b/p.gif?s=a", null],
    ["https://edge.test//p.gif?s=a", null],
    ["https://edge.test/et/p.gifx?s=a", null],
    ["https://edge.test/x?u=/p.gif", null],
    ["https://edge.test/e?u=/et/p.gif", null],
  ])("%s → %j", (url, want) => expect(pixelQuery(url)).toBe(want));

  it("takes any one segment but v1 as a prefix", () => {
    expect(["et", "edgetally", "_e", "t"].every(isCollectionPrefix)).toBe(true);
    expect(["", "v1", "V1", "a/b"].some(isCollectionPrefix)).toBe(false);
  });
});

describe("collection paths under a prefix, through the Worker", () => {
  it("GET /et/p.gif stores the pageview as /p.gif does", async () => {
    await createSite({ id: "pre1", domains: ["shop.example"] });
    const res = await call(`/et/p.gif?s=pre1&u=${enc("https://shop.example/?utm_source=news&utm_campaign=May")}`, { headers: browser });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/gif");
    await res.arrayBuffer();
    const [row] = await waitForEvents("pre1", 1);
    expect(row).toMatchObject({ name: "pageview", via: "pixel", source: "news", campaign: "May" });
  });

  it("POST /et/e accepts a beacon and OPTIONS /et/e answers its preflight", async () => {
    await createSite({ id: "pre2", domains: ["shop.example"] });
    const res = await call("/et/e", {
      method: "POST",
      body: JSON.stringify({ s: "pre2", u: "https://shop.example/a" }),
      headers: { "content-type": "text/plain;charset=UTF-8", origin: "https://shop.example", ...browser },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, dropped: 0 });
    await waitForEvents("pre2", 1);
    const pre = await call("/et/e", { method: "OPTIONS", headers: { origin: "https://shop.example", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
  });

  it("GET /et/t.js serves the tracker and GET /et/l/:code follows a link", async () => {
    const js = await call("/et/t.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(await js.text()).toBe(await (await call("/t.js")).text());
    // The ads build (with click ids) too, and it is not the base build.
    const ads = await call("/et/t-ads.js");
    expect(ads.status).toBe(200);
    expect(ads.headers.get("content-type")).toContain("javascript");
    const adsText = await ads.text();
    expect(adsText).toBe(await (await call("/t-ads.js")).text());
    expect(adsText).toContain("et_k");
    const site = await createSite({ id: "pre3", domains: ["shop.example"] });
    const made = await call("/v1/links", withJson("POST", { destination: "https://shop.example/may", source: "news", medium: "email", campaign: "May" }, site.ingest_key));
    const { code } = (await made.json()) as { code: string };
    const res = await call(`/et/l/${code}`, { redirect: "manual", headers: browser });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("https://shop.example/may");
  });

  it.each([
    ["GET", "/v1/p.gif?s=pre1"],
    ["POST", "/v1/e"],
    ["GET", "/v1/t.js"],
    ["GET", "/a/b/p.gif?s=pre1"],
    ["POST", "/a/b/e"],
    ["GET", "/a/b/t.js"],
    ["GET", "/v1/t-ads.js"],
    ["GET", "/a/b/t-ads.js"],
  ])("%s %s is no collection path: 404 in the contract's shape", async (method, path) => {
    const res = await call(path, { method, ...(method === "POST" ? { body: "{}" } : {}) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});

describe("prefix `l` and the link route", () => {
  it("GET /l/p.gif/ (through the router) is the pixel, /l/<code> still a link", async () => {
    const res = await call("/l/p.gif/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/gif");
    await res.arrayBuffer();
    const link = await call("/l/abcdefgh12", { redirect: "manual" });
    expect(link.status).not.toBe(200);
    await link.arrayBuffer();
  });
});
