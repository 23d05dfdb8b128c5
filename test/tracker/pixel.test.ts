// The built /t.js run against a stand-in DOM: what its pixel fallback puts in the query string,
// which request logs see before the collector scrubs anything (issue 9.8).
import { describe, expect, it } from "vitest";
import { TRACKER_JS } from "../../src/tracker/bundle.gen";

/** Runs TRACKER_JS on a page at `href` reached from `referrer`, sendBeacon refusing; returns the pixel URLs it requested. */
function pixelsOf(href: string, referrer: string, calls: unknown[][] = []): URL[] {
  const srcs: string[] = [];
  class FakeImage {
    set src(v: string) {
      srcs.push(v);
    }
  }
  const win: Record<string, unknown> = {};
  const dom = {
    navigator: { sendBeacon: () => false },
    document: { currentScript: { dataset: { site: "shop" }, src: "https://edge.test/t.js" }, referrer },
    location: { href },
    localStorage: {} as Record<string, string>,
    history: { pushState() {} },
    Image: FakeImage,
    addEventListener() {},
    window: win,
  };
  // The script's globals are this function's parameters: it runs as a classic script would.
  new Function(...Object.keys(dom), TRACKER_JS)(...Object.values(dom));
  const run = win.edgetally as (...a: unknown[]) => void;
  for (const c of calls) run(...c);
  return srcs.map((s) => new URL(s));
}

describe("the pixel fallback of the built tracker", () => {
  it("sends no e-mail address and no PII-named parameter of the page URL or the referrer", () => {
    const page = "https://shop.example/welcome?utm_source=newsletter&utm_medium=email&utm_campaign=May&email=ann%40mail.example&first_name=Ann&ref=ann@mail.example#t=secret";
    const [view] = pixelsOf(page, "https://webmail.example/read?mail=ann%40mail.example&phone=%2B4917012345");
    expect(view!.pathname).toBe("/p.gif");
    const text = decodeURIComponent(view!.search);
    expect(text).not.toMatch(/ann|@|%40|first_name|phone|secret|4917012345/i);
    const u = new URL(view!.searchParams.get("u")!);
    expect(Object.fromEntries(u.searchParams)).toEqual({ utm_source: "newsletter", utm_medium: "email", utm_campaign: "May" });
    expect(new URL(view!.searchParams.get("r")!).hostname).toBe("webmail.example");
  });

  it("keeps the click id and utm values the collector derives the touch from", () => {
    const [view] = pixelsOf("https://shop.example/?gclid=Cj0KCQ&utm_content=20512345678", "https://www.google.com/");
    expect(new URL(view!.searchParams.get("u")!).search).toBe("?gclid=Cj0KCQ&utm_content=20512345678");
    expect(view!.searchParams.get("r")).toBe("https://www.google.com/");
  });
});
