import { describe, expect, it } from "vitest";
import clicksSrc from "../../src/tracker/clicks.ts?raw";
import journalSrc from "../../src/tracker/journal.ts?raw";
import landingSrc from "../../src/tracker/landing.ts?raw";
import scrubSrc from "../../src/tracker/scrub.ts?raw";
import trackerSrc from "../../src/tracker/tracker.ts?raw";
import { TRACKER_ADS_ETAG, TRACKER_ADS_JS, TRACKER_ETAG, TRACKER_JS, TRACKER_SOURCE_HASH, TRACKER_SOURCES } from "../../src/tracker/bundle.gen";

/** The gzipped size budget of /t.js (scripts/build-tracker.mjs BUILDS; docs/TRACKER.md "Size"). */
const BUDGET = 1000;
/** The gzipped size budget of /t-ads.js, the build with click ids (docs/TRACKER.md "Click ids"). */
const ADS_BUDGET = 1200;

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the built tracker (src/tracker/bundle.gen.ts)", () => {
  it(`stays within ${BUDGET} bytes gzipped`, async () => {
    const size = await gzipSize(TRACKER_JS);
    expect(size).toBeGreaterThan(200); // a real script, not an empty build
    expect(size).toBeLessThanOrEqual(BUDGET);
  });

  it("is built from the current sources (run `npm run build:tracker` when this fails)", async () => {
    const raw: Record<string, string> = {
      "src/tracker/clicks.ts": clicksSrc,
      "src/tracker/journal.ts": journalSrc,
      "src/tracker/landing.ts": landingSrc,
      "src/tracker/scrub.ts": scrubSrc,
      "src/tracker/tracker.ts": trackerSrc,
    };
    expect(TRACKER_SOURCES).toEqual(Object.keys(raw).sort());
    const text = TRACKER_SOURCES.map((f) => `${f}\0${raw[f]}\0`).join("");
    expect(await sha256Hex(text)).toBe(TRACKER_SOURCE_HASH);
  });

  it("carries an ETag that is the hash of its bytes", async () => {
    expect(TRACKER_ETAG).toBe(`"${(await sha256Hex(TRACKER_JS)).slice(0, 32)}"`);
    expect(TRACKER_ADS_ETAG).toBe(`"${(await sha256Hex(TRACKER_ADS_JS)).slice(0, 32)}"`);
    expect(TRACKER_ADS_ETAG).not.toBe(TRACKER_ETAG);
  });

  it.each([
    ["t.js", TRACKER_JS],
    ["t-ads.js", TRACKER_ADS_JS],
  ])("%s is one self-contained expression: no import, no export, no leaked top-level name", (_, js) => {
    expect(js).toMatch(/^\(\(\)=>\{[\s\S]*\}\)\(\);$/);
    expect(js).not.toMatch(/\bimport\b|\bexport\b/);
    // It compiles as a classic script (syntax only; running it needs a DOM).
    expect(() => new Function(js)).not.toThrow();
  });
});

describe("the ads build (/t-ads.js, TRACKER_ADS_JS)", () => {
  it(`stays within ${ADS_BUDGET} bytes gzipped`, async () => {
    const size = await gzipSize(TRACKER_ADS_JS);
    expect(size).toBeGreaterThan(await gzipSize(TRACKER_JS)); // it really carries more code
    expect(size).toBeLessThanOrEqual(ADS_BUDGET);
  });

  it("keeps and sends click ids; the base build has no trace of them", () => {
    // The storage key and the beacon field exist only in the ads build.
    expect(TRACKER_ADS_JS).toContain("et_k");
    expect(TRACKER_ADS_JS).toMatch(/\bk:/);
    expect(TRACKER_JS).not.toContain("et_k");
    expect(TRACKER_JS).not.toMatch(/\bk:/);
    // Both are built from the same source: the journal and the rest are the same code.
    for (const js of [TRACKER_JS, TRACKER_ADS_JS]) {
      expect(js).toContain("et_j");
      expect(js).toContain("2592e3");
    }
  });
});
