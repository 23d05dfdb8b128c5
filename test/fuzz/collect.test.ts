// Fuzzing the public collection endpoints: /p.gif, /e and /t.js (CONTRACT.md "Collection").
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createSite } from "../helpers/http";
import { bodyText, contentType, fieldsObject, queryString, toText, weirdString, type Json } from "./arbitraries";
import { BROWSER_UA, checkAnswer, requireImplemented, RUNS, waitForStored } from "./check";

const SITE = "fuzz-collect";
const ORIGIN = "https://fuzz-collect.example";

const HIT_KEYS = ["s", "n", "u", "r", "v", "c", "i", "j", "debug"] as const;
const plausibleQuery = {
  s: fc.constantFrom(SITE, "nosuch", "", SITE.toUpperCase()),
  n: fc.constantFrom("pageview", "purchase", "signup", "PageView", ""),
  u: fc.constantFrom(`${ORIGIN}/`, `${ORIGIN}/p?utm_source=ig&utm_campaign=x`, `${ORIGIN}/?gclid=1&email=a@b.example`, "https://evil.example/", "javascript:alert(1)", "//x", "not a url"),
  r: fc.constantFrom("https://www.google.com/", "android-app://com.google.android.gm/", "", "http://[::1]:99999/"),
  v: fc.constantFrom("49.9", "-1", "1e999", "NaN", "Infinity", "0x10", "1,5", ""),
  c: fc.constantFrom("EUR", "eur", "XXX", "EURO", ""),
  i: fc.constantFrom("order-1", "", "x".repeat(1000)),
  j: fc.constantFrom('[[1795700000,"ig","social","spring"]]', "[[", "[]", '[["a"]]', `[${'[1,"s"],'.repeat(50)}[1,"s"]]`, '[[1e999,"s"]]'),
  debug: fc.constantFrom("1", "0", "true", ""),
};

const userAgent = fc.constantFrom<string | null>(BROWSER_UA, "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0", "", null, "x".repeat(5000));
const originHeader = fc.constantFrom<string | null>(ORIGIN, "https://evil.example", "null", "", null, "https://sub.fuzz-collect.example:8443");

function headersOf(ua: string | null, origin: string | null, type?: string | null): Headers {
  const h = new Headers();
  if (ua !== null) h.set("user-agent", ua);
  if (origin !== null) h.set("origin", origin);
  if (type !== undefined && type !== null) h.set("content-type", type);
  return h;
}

const hitObject = fieldsObject(
  HIT_KEYS.filter((k) => k !== "debug"),
  Object.fromEntries(Object.entries(plausibleQuery).map(([k, a]) => [k, a as fc.Arbitrary<Json>])),
);

let gif: Uint8Array;

beforeAll(async () => {
  await createSite({ id: SITE, domains: ["fuzz-collect.example"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }] });
});

describe("fuzz: GET /p.gif", () => {
  it("answers the same 1×1 GIF with no-store to any query and headers (without debug)", async () => {
    await requireImplemented("GET /p.gif", `/p.gif?s=${SITE}`);
    const ref = await call("/p.gif");
    expect(ref.status).toBe(200);
    expect(ref.headers.get("content-type")).toBe("image/gif");
    gif = new Uint8Array(await ref.arrayBuffer());
    expect(new TextDecoder().decode(gif.slice(0, 4))).toBe("GIF8");
    expect(gif.byteLength).toBeLessThan(100);

    await fc.assert(
      fc.asyncProperty(queryString(HIT_KEYS.filter((k) => k !== "debug"), plausibleQuery), userAgent, originHeader, async (qs, ua, origin) => {
        const res = await call(`/p.gif?${qs}`, { headers: headersOf(ua, origin) });
        const body = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 200) throw new Error(`status ${res.status}: ${new TextDecoder().decode(body).slice(0, 200)}`);
        if (res.headers.get("content-type") !== "image/gif") throw new Error(`content-type ${res.headers.get("content-type")}`);
        if (!/no-store/.test(res.headers.get("cache-control") ?? "")) throw new Error(`cache-control ${res.headers.get("cache-control")}`);
        if (body.byteLength !== gif.byteLength || body.some((b, i) => b !== gif[i])) throw new Error("a different body than the GIF");
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("answers debug=1 with a validation report (or the GIF), never a 5xx", async () => {
    await requireImplemented("GET /p.gif?debug=1", `/p.gif?s=${SITE}&debug=1`);
    await fc.assert(
      fc.asyncProperty(queryString(HIT_KEYS, plausibleQuery), userAgent, async (qs, ua) => {
        const res = await call(`/p.gif?debug=1&${qs}`, { headers: headersOf(ua, ORIGIN) });
        const type = res.headers.get("content-type") ?? "";
        if (type === "image/gif") {
          if (res.status !== 200) throw new Error(`GIF with status ${res.status}`);
          await res.arrayBuffer();
          return;
        }
        await checkAnswer(res.clone(), `/p.gif?debug=1&${qs}`);
        if (res.status === 200) {
          const report = (await res.json()) as { ok?: unknown; errors?: unknown };
          if (typeof report.ok !== "boolean" || !Array.isArray(report.errors)) throw new Error(`not a validation report: ${JSON.stringify(report).slice(0, 200)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("fuzz: POST /e", () => {
  it("answers 202 {accepted, dropped} or a JSON error to any body, type and headers", async () => {
    await requireImplemented("POST /e", "/e", { method: "POST", body: JSON.stringify({ s: SITE, u: `${ORIGIN}/` }), headers: { "content-type": "text/plain" } });
    const body = bodyText(fc.oneof(hitObject, fc.array(hitObject, { maxLength: 24 })));
    await fc.assert(
      fc.asyncProperty(body, contentType, userAgent, originHeader, fc.constantFrom("", "?debug=1", "?debug=0", "?s=x"), async (text, type, ua, origin, qs) => {
        const res = await call(`/e${qs}`, { method: "POST", body: text, headers: headersOf(ua, origin, type) });
        const clone = res.clone();
        await checkAnswer(res, `POST /e${qs} (${type}) ${text.slice(0, 200)}`);
        if (clone.status === 202) {
          const got = (await clone.json()) as { accepted?: unknown; dropped?: unknown };
          if (!Number.isInteger(got.accepted) || !Number.isInteger(got.dropped) || (got.accepted as number) < 0 || (got.dropped as number) < 0) {
            throw new Error(`202 without counts: ${JSON.stringify(got)}`);
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text.replace(/^\ufeff/, "")); // a UTF-8 BOM is dropped by the decoder
          } catch {
            throw new Error(`202 for a body that is not JSON: ${text.slice(0, 100)}`);
          }
          if (Array.isArray(parsed) && parsed.length > 20) throw new Error(`202 for an array of ${parsed.length} (> 20) hits`);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("stores the valid hits of an array that also holds malformed ones", async () => {
    await requireImplemented("POST /e", "/e", { method: "POST", body: "[]", headers: { "content-type": "text/plain" } });
    const malformed = fc.constantFrom<Json>(null, 42, "hit", [], {}, { s: 5 }, { s: [SITE] }, { s: SITE, n: { x: 1 } }, { s: SITE, n: "purchase", j: "[[" }, { s: SITE, u: 7 }, { s: SITE, v: [1] });
    const kinds = fc.array(fc.oneof(fc.constant<"valid">("valid"), malformed), { minLength: 1, maxLength: 20 });
    const sent: string[] = [];
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(kinds, fc.constantFrom("text/plain", "application/json"), async (items, type) => {
        batch++;
        const ids: string[] = [];
        const hits = items.map((it, k) => {
          if (it !== "valid") return it;
          const id = `mix-${batch}-${k}`;
          ids.push(id);
          return k % 3 === 0
            ? { s: SITE, n: "purchase", u: `${ORIGIN}/thanks`, v: 49.9, c: "EUR", i: id }
            : { s: SITE, n: "pageview", u: `${ORIGIN}/p/${k}?utm_source=fuzz`, i: id };
        });
        const res = await call("/e", { method: "POST", body: toText(hits), headers: headersOf(BROWSER_UA, ORIGIN, type) });
        const text = await res.text();
        if (res.status >= 500) throw new Error(`${res.status}: ${text}`);
        // Only a body that is malformed as a whole may be refused; valid hits beside malformed ones go in.
        if (ids.length > 0 && res.status !== 202) throw new Error(`a batch with ${ids.length} valid hits answered ${res.status}: ${text}`);
        if (res.status === 202 && (JSON.parse(text) as { accepted: number }).accepted !== ids.length) {
          throw new Error(`accepted ${text} for ${ids.length} valid hits among ${items.length}`);
        }
        sent.push(...ids);
      }),
      { numRuns: 40 },
    );
    const stored = await waitForStored(SITE, sent);
    expect(sent.filter((id) => !stored.has(id))).toEqual([]);
  });

  it("refuses an oversized body with a JSON 413", async () => {
    await requireImplemented("POST /e", "/e", { method: "POST", body: "[]", headers: { "content-type": "text/plain" } });
    const big = JSON.stringify([{ s: SITE, u: `${ORIGIN}/`, pad: "x".repeat(2_000_000) }]);
    const res = await call("/e", { method: "POST", body: big, headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(413);
    await checkAnswer(res, "POST /e 2 MB");
  });
});

describe("fuzz: GET /t.js", () => {
  it("serves the tracker script to any query and headers", async () => {
    await requireImplemented("GET /t.js", "/t.js");
    await fc.assert(
      fc.asyncProperty(queryString(["v", "site", "s"]), userAgent, fc.string({ unit: "binary-ascii", maxLength: 40 }), async (qs, ua, accept) => {
        const h = headersOf(ua, null);
        try {
          h.set("accept", accept);
        } catch {
          // a header value fetch refuses to send (control characters) is no input the Worker can receive
        }
        const res = await call(`/t.js?${qs}`, { headers: h });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
        if (!/javascript/.test(res.headers.get("content-type") ?? "")) throw new Error(`content-type ${res.headers.get("content-type")}`);
        if (text.length === 0) throw new Error("empty script");
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
