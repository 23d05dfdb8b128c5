import { describe, expect, it } from "vitest";
import { TRACKER_ETAG, TRACKER_JS } from "../../src/tracker/bundle.gen";
import { call } from "../helpers/http";

describe("GET /t.js", () => {
  it("serves the built script as JavaScript, cacheable, with its ETag", async () => {
    const res = await call("/t.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600, stale-while-revalidate=86400");
    expect(res.headers.get("etag")).toBe(TRACKER_ETAG);
    expect(await res.text()).toBe(TRACKER_JS);
  });

  it.each([[TRACKER_ETAG], [`W/${TRACKER_ETAG}`], [`"other", ${TRACKER_ETAG}`], ["*"]])("answers 304 without a body for If-None-Match: %s", async (inm) => {
    const res = await call("/t.js", { headers: { "if-none-match": inm } });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(TRACKER_ETAG);
    expect(res.headers.get("cache-control")).toMatch(/max-age=3600/);
    expect(await res.text()).toBe("");
  });

  it("answers 200 for a stale ETag", async () => {
    const res = await call("/t.js", { headers: { "if-none-match": '"0123456789abcdef0123456789abcdef"' } });
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBe(TRACKER_JS.length);
  });
});
