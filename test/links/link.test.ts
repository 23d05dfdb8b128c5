import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/http/errors";
import { destinationProblem, parseLink, redirectTarget, type LinkSpec } from "../../src/links/link";

const DOMAINS = ["shop.example", "localhost"];
const base = { destination: "https://shop.example/spring", source: "Instagram", medium: "Social", campaign: " Spring Sale " };

function fieldOf(fn: () => unknown): { code: string; field?: string; status: number } {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return { code: e.code, field: e.field, status: e.status };
    throw e;
  }
  throw new Error("did not throw");
}

describe("parseLink", () => {
  it("normalises like the collector: source and medium lower-cased, campaign trimmed", () => {
    expect(parseLink(base, DOMAINS)).toEqual({
      destination: "https://shop.example/spring",
      source: "instagram",
      medium: "social",
      campaign: "Spring Sale",
      content: null,
      term: null,
    });
  });

  it("keeps content and term", () => {
    expect(parseLink({ ...base, content: "story", term: "shoes" }, DOMAINS)).toMatchObject({ content: "story", term: "shoes" });
  });

  it.each([
    [{ ...base, destination: "https://evil.example/" }, "invalid_destination", "destination"],
    [{ ...base, destination: "https://shop.example.evil.example/" }, "invalid_destination", "destination"],
    [{ ...base, destination: "https://notshop.example/" }, "invalid_destination", "destination"],
    [{ ...base, destination: "javascript:alert(1)" }, "invalid_destination", "destination"],
    [{ ...base, destination: "ftp://shop.example/file" }, "invalid_destination", "destination"],
    [{ ...base, destination: "//shop.example/x" }, "invalid_destination", "destination"],
    [{ ...base, destination: "https://user:pw@shop.example/" }, "invalid_destination", "destination"],
    [{ ...base, destination: `https://shop.example/${"a".repeat(2100)}` }, "too_long", "destination"],
    [{ ...base, destination: undefined }, "required", "destination"],
    [{ ...base, source: undefined }, "required", "source"],
    [{ ...base, medium: " " }, "required", "medium"],
    [{ ...base, campaign: 5 }, "invalid_type", "campaign"],
    [{ ...base, term: "t".repeat(201) }, "too_long", "term"],
    [{ ...base, colour: "red" }, "unknown_field", "colour"],
  ])("refuses %j with %s at %s", (body, code, field) => {
    expect(fieldOf(() => parseLink(body, DOMAINS))).toEqual({ code, field, status: 422 });
  });

  it("accepts subdomains and any port of the site's domains", () => {
    expect(parseLink({ ...base, destination: "https://blog.shop.example:8443/a" }, DOMAINS).destination).toBe("https://blog.shop.example:8443/a");
    expect(parseLink({ ...base, destination: "http://localhost:8787/" }, DOMAINS).destination).toBe("http://localhost:8787/");
  });
});

describe("redirectTarget", () => {
  const link: LinkSpec = { destination: "https://shop.example/p?id=7&utm_source=old&utm_term=old#top", source: "news", medium: "email", campaign: "May", content: null, term: null };

  it("sets the link's utm_* and replaces any in the destination, keeping other parameters and the fragment", () => {
    const url = new URL(redirectTarget(link, DOMAINS)!);
    expect(url.origin + url.pathname).toBe("https://shop.example/p");
    expect(url.searchParams.get("id")).toBe("7");
    expect(url.searchParams.getAll("utm_source")).toEqual(["news"]);
    expect(url.searchParams.get("utm_medium")).toBe("email");
    expect(url.searchParams.get("utm_campaign")).toBe("May");
    expect(url.searchParams.has("utm_term")).toBe(false);
    expect(url.searchParams.has("utm_content")).toBe(false);
    expect(url.hash).toBe("#top");
  });

  it("adds content and term when the link has them", () => {
    const url = new URL(redirectTarget({ ...link, content: "hero", term: "red shoes" }, DOMAINS)!);
    expect(url.searchParams.get("utm_content")).toBe("hero");
    expect(url.searchParams.get("utm_term")).toBe("red shoes");
  });

  it.each([
    ["a host that left the site's domains", "https://shop.example/x", ["other.example"]],
    ["a javascript: URL", "javascript:alert(document.cookie)", DOMAINS],
    ["a data: URL", "data:text/html,<script>alert(1)</script>", DOMAINS],
    ["a protocol-relative URL", "//evil.example/", DOMAINS],
    ["credentials in the URL", "https://shop.example@evil.example/", DOMAINS],
    ["a look-alike host", "https://shop.example.evil.example/", DOMAINS],
    ["garbage", "not a url", DOMAINS],
  ])("refuses %s", (_why, destination, domains) => {
    expect(redirectTarget({ ...link, destination }, domains)).toBeNull();
  });

  it("explains each refusal", () => {
    expect(destinationProblem("https://evil.example/", DOMAINS)).toMatch(/domains/);
    expect(destinationProblem("https://shop.example/", DOMAINS)).toBeNull();
  });
});
