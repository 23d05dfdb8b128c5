// Fuzzing tracked links: POST /v1/links (ingest key) and GET /l/:code. A created link must only
// ever redirect into the site's own domains, whatever destination or query was thrown at it.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createSite } from "../helpers/http";
import { bodyText, contentType, fieldsObject, queryString, weirdString } from "./arbitraries";
import { checkAnswer, requireImplemented, RUNS } from "./check";

const SITE = "fuzz-links";
const DOMAIN = "fuzz-links.example";
let key = "";

/** True when `host` is the site's domain or one of its subdomains (CONTRACT.md "Conventions"). */
const onSite = (host: string) => host === DOMAIN || host.endsWith(`.${DOMAIN}`);

const destination = fc.constantFrom(
  `https://${DOMAIN}/landing`,
  `https://${DOMAIN}/p?x=1&utm_source=old#frag`,
  `https://shop.${DOMAIN}:8443/x`,
  `http://${DOMAIN}/`,
  `https://${DOMAIN.toUpperCase()}/`,
  "https://evil.example/",
  `https://${DOMAIN}.evil.example/`,
  `https://${DOMAIN}@evil.example/`,
  `https://evil.example/?u=https://${DOMAIN}/`,
  `https://evil.example\\@${DOMAIN}/`,
  `//evil.example/`,
  `/relative/path`,
  "javascript:alert(1)",
  `javascript://${DOMAIN}/%0aalert(1)`,
  "data:text/html,<script>alert(1)</script>",
  `https://evil${DOMAIN}/`,
  `https://xn--${DOMAIN}/`,
  `https://${DOMAIN}%2f@evil.example/`,
  "",
);

const linkBody = fieldsObject(["destination", "source", "medium", "campaign", "content", "term"], {
  destination,
  source: fc.constantFrom("newsletter", " Instagram ", ""),
  medium: fc.constantFrom("email", "social", ""),
  campaign: fc.constantFrom("spring", "a&b=c", "ünï", ""),
});

/** A complete body with plausible values: reaches link creation rather than only the validators. */
const fullLinkBody = fc.record({
  destination,
  source: fc.constantFrom("newsletter", " Instagram ", "x".repeat(300)),
  medium: fc.constantFrom("email", "social"),
  campaign: fc.constantFrom("spring", "a&b=c", "ünï"),
  content: fc.constantFrom<string | null>(null, "hero", "=1+1"),
  term: fc.constantFrom<string | null>(null, "shoes"),
});

const post = (text: string, type: string | null = "application/json") => {
  const headers = new Headers({ authorization: `Bearer ${key}` });
  if (type !== null) headers.set("content-type", type);
  return call("/v1/links", { method: "POST", body: text, headers });
};

beforeAll(async () => {
  key = (await createSite({ id: SITE, domains: [DOMAIN] })).ingest_key;
});

describe("fuzz: POST /v1/links and GET /l/:code", () => {
  it("creates links only to the site's domains, and each redirects there whatever its query", async () => {
    await requireImplemented("POST /v1/links", "/v1/links", { method: "POST", body: JSON.stringify({ destination: `https://${DOMAIN}/`, source: "x", medium: "y", campaign: "z" }), headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(bodyText(linkBody), fullLinkBody.map((b) => JSON.stringify(b))), contentType, queryString(["url", "to", "destination", "redirect", "next", "u", "utm_source"]), async (text, type, qs) => {
        const res = await post(text, type);
        const clone = res.clone();
        await checkAnswer(res, `POST /v1/links ${text.slice(0, 200)}`);
        if (clone.status !== 201) return;
        const { code, url } = (await clone.json()) as { code: unknown; url: unknown };
        if (typeof code !== "string" || typeof url !== "string") throw new Error("201 without code and url");
        created++;
        const follow = await call(`/l/${encodeURIComponent(code)}?${qs}`, { redirect: "manual" });
        if (follow.status !== 302) throw new Error(`following a new link answered ${follow.status}`);
        const location = follow.headers.get("location") ?? "";
        const target = new URL(location);
        if (!onSite(target.hostname) || (target.protocol !== "https:" && target.protocol !== "http:")) {
          throw new Error(`link ${code} (body ${text.slice(0, 200)}) redirects off-site to ${location}`);
        }
      }),
      { numRuns: RUNS },
    );
    expect(created, "no generated body ever created a link: the generator misses the valid space").toBeGreaterThan(0);
  });

  it("answers any code with a redirect to the site or a JSON 404", async () => {
    await requireImplemented("GET /l/:code", "/l/nosuch", { redirect: "manual" });
    const code = fc.oneof(
      weirdString.map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return "%ED%A0%80";
        }
      }),
      fc.constantFrom("%", "%zz", "%E0%A4%A", "..", "%2e%2e", "%2F%2Fevil.example", "a%00b", "x".repeat(3000), "%252F"),
    );
    await fc.assert(
      fc.asyncProperty(code, queryString(["url", "to", "redirect"]), async (c, qs) => {
        const res = await call(`/l/${c}?${qs}`, { redirect: "manual" });
        const location = res.headers.get("location");
        await checkAnswer(res, `/l/${c}?${qs}`);
        if (location !== null && !onSite(new URL(location).hostname)) throw new Error(`/l/${c} redirects off-site to ${location}`);
      }),
      { numRuns: RUNS },
    );
  });
});
