import { describe, expect, it } from "vitest";
import { deriveTouch } from "../../src/collect/landing";
import { scrubUrl } from "../../src/collect/scrub";
import { scrub } from "../../src/tracker/scrub";

// A removed pair leaves its `&` (or `?`): empty pairs are nothing to URLSearchParams, and the
// collector stores the URL re-serialised, so they never reach storage.
describe("scrub (what the tracker sends as u and r)", () => {
  it.each([
    ["https://shop.example/p?email=ann%40mail.example&size=42", "https://shop.example/p?&size=42"],
    ["https://shop.example/p?size=42&E-Mail=ann@mail.example", "https://shop.example/p?size=42&"],
    ["https://shop.example/p?ref=ann%40mail.example", "https://shop.example/p?"],
    ["https://shop.example/p?first_name=Ann&last_name=B&phone=%2B4917012345&tel=0170&pass=x&reset_token=t&a=1", "https://shop.example/p?&&&&&&a=1"],
    ["https://shop.example/p?utm_source=news&utm_medium=email&utm_campaign=May&gclid=Cj0&wbraid=x", "https://shop.example/p?utm_source=news&utm_medium=email&utm_campaign=May&gclid=Cj0&wbraid=x"],
    ["https://shop.example/p?utm_source=news&utm_campaign=ann%40mail.example", "https://shop.example/p?utm_source=news&"],
    ["https://shop.example/p", "https://shop.example/p"],
    ["", ""],
  ])("%s → %s", (href, want) => expect(scrub(href)).toBe(want));

  it("leaves no e-mail address and no PII key in the query string of a realistic landing", () => {
    const href =
      "https://shop.example/welcome?utm_source=newsletter&utm_medium=email&utm_campaign=May&mc_eid=abc&email=ann.b%2Btag%40mail.co.uk&first_name=Ann&ref=ann@mail.example&page=2";
    const sent = scrub(href);
    expect(sent).not.toMatch(/ann|%40|@|email=|name=/i);
    // The collector derives the same touch from what was sent as from the page's own URL.
    expect(deriveTouch(new URL(sent), null, ["shop.example"])).toEqual(deriveTouch(new URL(href), null, ["shop.example"]));
    // ...and stores the same scrubbed URL, but for the empty pair's `&`.
    expect(scrubUrl(new URL(sent)).href).toBe(scrubUrl(new URL(href)).href);
  });
});
