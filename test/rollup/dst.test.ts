import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { dayEnd, dayOf, dayStart } from "../../src/time/day";
import { atomsOf, dayRow, findAtom, HOUR, insertEvents, landing, makeSite, touch } from "./fixtures";

async function cron(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "7 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("rollup across a DST change (Europe/Berlin, 2026-03-29 has 23 hours)", () => {
  const lateSunday = Date.UTC(2026, 2, 29, 21, 30); // 23:30 CEST on Sunday 29 March
  const afterMidnight = Date.UTC(2026, 2, 29, 22, 30); // 00:30 CEST on Monday 30 March

  it("puts each event on its Berlin day and rolls both days from a UTC clock still on the 29th", async () => {
    expect(dayEnd("2026-03-29", "Europe/Berlin") - dayStart("2026-03-29", "Europe/Berlin")).toBe(23 * HOUR);
    expect(dayOf(afterMidnight, "Europe/Berlin")).toBe("2026-03-30");
    expect(dayOf(afterMidnight, "UTC")).toBe("2026-03-29");

    await makeSite({ id: "berlin", domains: ["b.example"], timezone: "Europe/Berlin", goals: [{ name: "purchase" }] });
    await makeSite({ id: "london", domains: ["l.example"], timezone: "UTC", goals: [{ name: "purchase" }] });
    const events = [
      landing(lateSunday, "a", "google", "cpc"),
      landing(afterMidnight, "b", "google", "cpc"),
      { ts: afterMidnight + 60_000, visitor: "b", name: "purchase", value: 10, journey: [touch("google", afterMidnight, "cpc")] },
    ];
    await insertEvents("berlin", "Europe/Berlin", events);
    await insertEvents("london", "UTC", events);

    // 22:37 UTC on the 29th: already "today = 30 March" in Berlin, still the 29th in UTC.
    await cron(Date.UTC(2026, 2, 29, 22, 37));

    const sun = await atomsOf("berlin", "2026-03-29");
    const mon = await atomsOf("berlin", "2026-03-30");
    expect(findAtom(sun, "google", "purchase", "last_click")).toMatchObject({ visitors: 1, conversions: 0 });
    expect(findAtom(mon, "google", "purchase", "last_click")).toMatchObject({ visitors: 1, conversions: 1, credit: 1, revenue: 10 });
    expect(await dayRow("berlin", "2026-03-30")).toMatchObject({ status: "done", events: 2 });

    // The same instants on a UTC site are one day with two visitors.
    expect(findAtom(await atomsOf("london", "2026-03-29"), "google", "purchase", "last_click")).toMatchObject({ visitors: 2, conversions: 1 });
    expect(await atomsOf("london", "2026-03-30")).toEqual([]);
  });

  it("re-rolls the day 168 hours back after the spring-forward week, so an accepted late event is not lost", async () => {
    await makeSite({ id: "dst-late", domains: ["late.example"], timezone: "Europe/Berlin", goals: [{ name: "purchase" }] });
    // Saturday 4 April: 28 March is inside the window and gets rolled (done).
    await cron(Date.UTC(2026, 3, 4, 12, 7));
    await insertEvents("dst-late", "Europe/Berlin", [landing(Date.UTC(2026, 2, 28, 12), "v0", "google", "organic")]);
    await cron(Date.UTC(2026, 3, 4, 13, 7));
    expect(await dayRow("dst-late", "2026-03-28")).toMatchObject({ status: "done" });
    // 00:30 on Sunday 5 April: a server event timed 23:45 on 28 March is 167.75 hours old — accepted.
    const now = Date.UTC(2026, 3, 4, 22, 30);
    const ts = Date.UTC(2026, 2, 28, 22, 45);
    expect(dayOf(ts, "Europe/Berlin")).toBe("2026-03-28");
    expect(now - ts).toBeLessThan(168 * HOUR);
    await insertEvents("dst-late", "Europe/Berlin", [{ ts, visitor: "v1", name: "purchase", value: 20, journey: [touch("newsletter", ts - HOUR, "email")] }]);
    await cron(now);
    expect(findAtom(await atomsOf("dst-late", "2026-03-28"), "newsletter", "purchase", "last_click")).toMatchObject({ conversions: 1, revenue: 20 });
  });
});
