import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { refreshRates, type Fetcher } from "../../src/fx/refresh";
import worker from "../../src/index";
import { dayOf } from "../../src/time/day";
import { createSite } from "../helpers/http";
import { ECB_DAILY } from "./fixtures";

const FX_URL = "https://fx.test/eurofxref-daily.xml";
// The ECB file of Friday 2026-11-27, fetched on Saturday and Sunday: it names Friday.
const SATURDAY_NOON = Date.UTC(2026, 10, 28, 12, 7);
const SUNDAY_NOON = Date.UTC(2026, 10, 29, 12, 7);

const daysStored = async () => (await env.DB.prepare("SELECT day, COUNT(*) AS n FROM fx_rates GROUP BY day ORDER BY day").all<{ day: string; n: number }>()).results;

/** A fake FX_URL: answers `body` and records the URLs asked for. */
function fakeFeed(body: string, status = 200): Fetcher & { urls: string[] } {
  const urls: string[] = [];
  const f = async (url: string) => {
    urls.push(url);
    return new Response(body, { status, headers: { "content-type": "text/xml" } });
  };
  return Object.assign(f, { urls });
}

afterEach(async () => {
  vi.restoreAllMocks();
  await env.DB.prepare("DELETE FROM fx_rates").run();
});

describe("refreshRates", () => {
  it("fetches when the current day has no rates and files them under the date the source names", async () => {
    const feed = fakeFeed(ECB_DAILY);
    expect(await refreshRates(env.DB, FX_URL, SATURDAY_NOON, feed)).toEqual({ skipped: null, days: ["2026-11-27"] });
    expect(feed.urls).toEqual([FX_URL]);
    expect(await daysStored()).toEqual([{ day: "2026-11-27", n: 6 }]);
    const usd = await env.DB.prepare("SELECT rate, base FROM fx_rates WHERE day = '2026-11-27' AND currency = 'USD'").first();
    expect(usd).toEqual({ rate: 1.0832, base: "EUR" });
    // Sunday: still no rates of its own, so it fetches again; Friday is kept, not rewritten.
    expect(await refreshRates(env.DB, FX_URL, SUNDAY_NOON, feed)).toEqual({ skipped: null, days: [] });
    expect(feed.urls).toHaveLength(2);
  });

  it("does not fetch when the current day has rates, nor when FX_URL is empty", async () => {
    const feed = fakeFeed(ECB_DAILY);
    await env.DB.prepare("INSERT INTO fx_rates (day, currency, rate, base) VALUES ('2026-11-28', 'EUR', 1, 'EUR')").run();
    expect(await refreshRates(env.DB, FX_URL, SATURDAY_NOON, feed)).toEqual({ skipped: "present", days: [] });
    expect(await refreshRates(env.DB, "", SUNDAY_NOON, feed)).toEqual({ skipped: "disabled", days: [] });
    expect(feed.urls).toEqual([]);
  });

  it("a day set by an admin is kept when the feed names it", async () => {
    await env.DB.prepare("INSERT INTO fx_rates (day, currency, rate, base) VALUES ('2026-11-27', 'USD', 1, 'USD'), ('2026-11-27', 'EUR', 0.9, 'USD')").run();
    expect((await refreshRates(env.DB, FX_URL, SATURDAY_NOON, fakeFeed(ECB_DAILY))).days).toEqual([]);
    expect(await daysStored()).toEqual([{ day: "2026-11-27", n: 2 }]);
  });

  it("throws on a failing feed or a page that is not rates, storing nothing", async () => {
    await expect(refreshRates(env.DB, FX_URL, SATURDAY_NOON, fakeFeed("busy", 503))).rejects.toThrow(/503/);
    await expect(refreshRates(env.DB, FX_URL, SATURDAY_NOON, fakeFeed("<html>maintenance</html>"))).rejects.toThrow(/no dated rates/);
    expect(await daysStored()).toEqual([]);
  });
});

describe("the cron", () => {
  async function cron(at: number, fxUrl: string): Promise<void> {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "7 * * * *" }), { ...env, FX_URL: fxUrl }, ctx);
    await waitOnExecutionContext(ctx);
  }

  it("fetches the missing rates from FX_URL through the Worker's outbound fetch", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(ECB_DAILY));
    await cron(SATURDAY_NOON, FX_URL);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(String(fetchSpy.mock.calls[0]![0])).toBe(FX_URL);
    expect(await daysStored()).toEqual([{ day: "2026-11-27", n: 6 }]);
  });

  it("still rolls up when the feed is down", async () => {
    await createSite({ id: "fx-cron", domains: ["fx-cron.example"] });
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("down", { status: 500 }));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const now = Date.now();
    await expect(cron(now, FX_URL)).resolves.toBeUndefined();
    const rolled = await env.DB.prepare("SELECT status FROM rollup_days WHERE site = 'fx-cron' AND day = ?").bind(dayOf(now, "UTC")).first();
    expect(rolled).toEqual({ status: "done" });
    expect(errors.mock.calls.some((c) => String(c[0]).includes("exchange rates"))).toBe(true);
    expect(await daysStored()).toEqual([]);
  });
});
