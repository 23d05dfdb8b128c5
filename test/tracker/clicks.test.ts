import { describe, expect, it } from "vitest";
import { decodeClicks } from "../../src/collect/clicks";
import { CLICK_ID_KEYS, CLICK_ID_MAX } from "../../src/schemas/server-event";
import { CLICK_AGE, CLICK_MAX, clicks, platform, type Click } from "../../src/tracker/clicks";
import { CLICK_IDS } from "../../src/tracker/landing";

// The click ids the ads build of the tracker (/t-ads.js) keeps in `et_k` and sends as `k`
// (src/tracker/clicks.ts). The DOM side (storage, consent, forget, the beacon) is tested in
// Chromium by test/browser/clickids.test.mjs.

const T0 = 1_795_000_000;
const DAY = 86_400;
const page = (query: string) => `https://shop.example/landing?${query}`;

describe("tracker click ids: what a landing URL adds", () => {
  it("keeps each click id on the URL with the time it was seen", () => {
    expect(clicks([], T0, page("gclid=G1&fbclid=F1&utm_source=x"))).toEqual([
      [T0, "gclid", "G1"],
      [T0, "fbclid", "F1"],
    ]);
  });

  it("keeps every name the contract lists, and each is a name the collector's ClickIds schema accepts", () => {
    const all = clicks([], T0, page(CLICK_IDS.map((n) => `${n}=v_${n}`).join("&")));
    // gbraid and wbraid lose to gclid (same platform): six platforms, six rows.
    expect(all.map((r) => r[1]).sort()).toEqual(["fbclid", "gclid", "li_fat_id", "msclkid", "ttclid", "twclid"]);
    for (const name of CLICK_IDS) expect(CLICK_ID_KEYS).toContain(name);
    expect(CLICK_MAX).toBe(CLICK_ID_MAX);
  });

  it("ignores other parameters, look-alikes and a URL without click ids", () => {
    expect(clicks([], T0, page("utm_source=news&gclid_x=1&GCLID=2&fbc=3&fbp=4"))).toEqual([]);
    expect(clicks([], T0, "https://shop.example/")).toEqual([]);
    expect(clicks([], T0)).toEqual([]);
  });

  it("takes no empty value and none longer than the collector accepts (512)", () => {
    expect(clicks([], T0, page("gclid=&fbclid="))).toEqual([]);
    expect(clicks([], T0, page(`gclid=${"a".repeat(CLICK_MAX + 1)}`))).toEqual([]);
    expect(clicks([], T0, page(`gclid=${"a".repeat(CLICK_MAX)}`))).toEqual([[T0, "gclid", "a".repeat(CLICK_MAX)]]);
  });

  it("decodes the URL's value (it is sent as the ad platform wrote it)", () => {
    expect(clicks([], T0, page("fbclid=Iw%2BAR_x%3D"))).toEqual([[T0, "fbclid", "Iw+AR_x="]]);
  });
});

describe("tracker click ids: the latest per platform", () => {
  it("replaces the click id kept for the same platform and keeps the others", () => {
    const kept: Click[] = [
      [T0 - 5 * DAY, "gclid", "old"],
      [T0 - 4 * DAY, "ttclid", "T"],
    ];
    expect(clicks(kept, T0, page("gclid=new"))).toEqual([
      [T0 - 4 * DAY, "ttclid", "T"],
      [T0, "gclid", "new"],
    ]);
  });

  it("treats gbraid and wbraid as Google's, like gclid: a later gbraid replaces a kept gclid", () => {
    expect(["gclid", "gbraid", "wbraid"].map(platform)).toEqual(["gclid", "gclid", "gclid"]);
    expect(["fbclid", "msclkid", "ttclid", "li_fat_id", "twclid"].map(platform)).toEqual(["fbclid", "msclkid", "ttclid", "li_fat_id", "twclid"]);
    expect(clicks([[T0 - DAY, "gclid", "G"]], T0, page("gbraid=B"))).toEqual([[T0, "gbraid", "B"]]);
    expect(clicks([[T0 - DAY, "wbraid", "W"]], T0, page("gclid=G"))).toEqual([[T0, "gclid", "G"]]);
  });

  it("keeps the first of a platform in the contract's order when one URL has several", () => {
    expect(clicks([], T0, page("wbraid=W&gbraid=B&gclid=G"))).toEqual([[T0, "gclid", "G"]]);
    expect(clicks([], T0, page("wbraid=W&gbraid=B"))).toEqual([[T0, "gbraid", "B"]]);
    // An empty higher one does not block a real lower one.
    expect(clicks([], T0, page("gclid=&wbraid=W"))).toEqual([[T0, "wbraid", "W"]]);
  });

  it("a repeat of the same click id only moves its time", () => {
    expect(clicks([[T0 - DAY, "fbclid", "F"]], T0, page("fbclid=F"))).toEqual([[T0, "fbclid", "F"]]);
  });

  it("holds at most one row per platform however many landings", () => {
    let rows: Click[] = [];
    for (let i = 0; i < 50; i++) rows = clicks(rows, T0 + i, page(`${CLICK_IDS[i % CLICK_IDS.length]}=v${i}`));
    expect(rows.length).toBe(6);
    expect(new Set(rows.map((r) => platform(r[1]))).size).toBe(6);
  });
});

describe("tracker click ids: 90 days", () => {
  it("drops click ids 90 days old or older, on reading as on a landing", () => {
    expect(CLICK_AGE).toBe(90 * DAY);
    const kept: Click[] = [
      [T0 - 91 * DAY, "gclid", "old"],
      [T0 - CLICK_AGE, "fbclid", "edge"],
      [T0 - CLICK_AGE + 1, "ttclid", "young"],
    ];
    expect(clicks(kept, T0)).toEqual([[T0 - CLICK_AGE + 1, "ttclid", "young"]]);
    expect(clicks(kept, T0, page("msclkid=M"))).toEqual([
      [T0 - CLICK_AGE + 1, "ttclid", "young"],
      [T0, "msclkid", "M"],
    ]);
  });

  it("drops rows without a time and throws on a stored value that is no list (the tracker then keeps none)", () => {
    expect(clicks([5, "x", [], ["gclid", "G"]] as unknown as Click[], T0)).toEqual([]);
    expect(() => clicks([null] as unknown as Click[], T0)).toThrow();
    expect(() => clicks({} as unknown as Click[], T0)).toThrow();
    expect(() => clicks("[]" as unknown as Click[], T0)).toThrow();
  });
});

describe("tracker click ids → collector (src/collect/clicks.ts)", () => {
  it("what the tracker sends as k decodes to the same click ids, fbclid with its time for Meta's fbc", () => {
    let rows = clicks([], T0 - 3 * DAY, page("fbclid=F1&gclid=G0"));
    rows = clicks(rows, T0 - DAY, page("gbraid=B1&li_fat_id=L1"));
    const k = JSON.stringify(clicks(rows, T0));
    const decoded = decodeClicks(k, T0 * 1000);
    expect(decoded.warnings).toEqual([]);
    expect(decoded.click_ids).toEqual({ fbclid: "F1", gbraid: "B1", li_fat_id: "L1" });
    expect(decoded.fbclid_at).toBe((T0 - 3 * DAY) * 1000);
  });

  it("the pixel's form (URL-encoded JSON text) decodes the same", () => {
    const k = JSON.stringify(clicks([], T0, page("ttclid=T%26x")));
    const back = new URLSearchParams(new URLSearchParams({ k }).toString()).get("k");
    expect(decodeClicks(back, T0 * 1000).click_ids).toEqual({ ttclid: "T&x" });
  });
});
