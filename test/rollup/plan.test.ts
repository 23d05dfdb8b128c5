import { describe, expect, it } from "vitest";
import type { DayState } from "../../src/db/rollup";
import { QueryBudget } from "../../src/rollup/budget";
import { parseEventTime } from "../../src/collect/validate";
import { daysToRoll, FINAL_GRACE_MS, orderWork, PRIORITY, rerollWindow, retentionDays, type PlanInput } from "../../src/rollup/plan";
import { window } from "../../src/stats/query";
import { dayEnd, dayStart } from "../../src/time/day";

const today = "2026-11-20";
const ended = (day: string, tz = "UTC") => dayEnd(day, tz) + FINAL_GRACE_MS;
function done(day: string, cursor: number, updated = ended(day)): DayState {
  return { day, status: "done", cursor, events: 1, started_at: updated, updated_at: updated };
}
function input(extra: Partial<PlanInput> = {}): PlanInput {
  const states = new Map<string, DayState>();
  const last = new Map<string, number | null>();
  for (let d = 13; d <= 19; d++) {
    const day = `2026-11-${d}`;
    states.set(day, done(day, d * 10));
    last.set(day, d * 10);
  }
  // The run at noon of `today` in the site's zone, unless the test says otherwise.
  const timezone = extra.timezone ?? "UTC";
  return { now: dayStart(today, timezone) + 12 * 3_600_000, timezone, siteUpdatedAt: 0, states, last, unrolled: [], ...extra };
}

describe("daysToRoll", () => {
  it("rolls only today when every window day is done, unchanged and rolled after its end", () => {
    expect(daysToRoll(input())).toEqual([{ day: today, priority: PRIORITY.today }]);
  });

  it("re-rolls a window day with events newer than its cursor (late events)", () => {
    const p = input();
    p.last.set("2026-11-15", 151);
    expect(daysToRoll(p).map((d) => d.day)).toEqual(["2026-11-15", today]);
  });

  it("re-rolls a day last rolled before it ended (plus the grace period), in the site's zone", () => {
    const p = input({ timezone: "Pacific/Auckland" });
    // Auckland is ahead of UTC: its days end 13 hours before UTC's, so rolls made after the UTC
    // end (plus grace) were after Auckland's end too.
    expect(daysToRoll(p).map((d) => d.day)).toEqual([today]);
    const q = input({ timezone: "America/Los_Angeles" });
    // Los Angeles' days end 8 hours after UTC's: every UTC-stamped roll was too early.
    expect(daysToRoll(q).map((d) => d.day)).toHaveLength(8);
    const r = input();
    r.states.set("2026-11-18", done("2026-11-18", 180, ended("2026-11-18") - 1));
    expect(daysToRoll(r).map((d) => d.day)).toEqual(["2026-11-18", today]);
  });

  it("re-rolls the window after a configuration change, and any day without a done row", () => {
    expect(daysToRoll(input({ siteUpdatedAt: ended("2026-11-19") + 1 }))).toHaveLength(8);
    const p = input();
    p.states.delete("2026-11-13");
    expect(daysToRoll(p).map((d) => d.day)).toEqual(["2026-11-13", today]);
  });

  it("puts unfinished rolls first and old unrolled days before the window", () => {
    const p = input({ unrolled: ["2026-11-10", "2026-11-12"] });
    p.states.set("2026-11-16", { ...done("2026-11-16", 50), status: "running" });
    p.states.set("2026-11-12", { ...done("2026-11-12", 5), status: "running" });
    expect(daysToRoll(p)).toEqual([
      { day: "2026-11-10", priority: PRIORITY.unrolled },
      { day: "2026-11-12", priority: PRIORITY.resume },
      { day: "2026-11-16", priority: PRIORITY.resume },
      { day: today, priority: PRIORITY.today },
    ]);
  });
});

describe("the re-roll window across DST", () => {
  it("re-rolls the 8th local day back when 168 hours reach it (the week after a spring-forward)", () => {
    // Berlin springs forward on 2026-03-29 (a 23-hour day). At 00:30 on 2026-04-05, 168 hours
    // back is 23:30 on 2026-03-28 — a day validation still accepts late events for.
    const now = Date.parse("2026-04-04T22:30:00Z");
    expect(rerollWindow(now, "Europe/Berlin")[0]).toBe("2026-03-28");
    expect(rerollWindow(now, "Europe/Berlin")).toHaveLength(9);
    expect(() => parseEventTime(Math.floor((now - 168 * 3_600_000 + 60_000) / 1000), now, "time")).not.toThrow();
    const states = new Map<string, DayState>();
    const last = new Map<string, number | null>();
    for (let d = 28; d <= 31; d++) states.set(`2026-03-${d}`, done(`2026-03-${d}`, d));
    for (let d = 1; d <= 4; d++) states.set(`2026-04-0${d}`, done(`2026-04-0${d}`, d));
    for (const [day, s] of states) last.set(day, s.cursor);
    // A late event lands on 2026-03-28 after its roll: that day is re-rolled.
    last.set("2026-03-28", 99);
    const planned = daysToRoll({ now, timezone: "Europe/Berlin", siteUpdatedAt: 0, states, last, unrolled: [] }).map((d) => d.day);
    expect(planned).toEqual(["2026-03-28", "2026-04-05"]);
    // And the stats show it as provisional, from the same definition.
    expect(window({ from: "2026-03-20", to: "2026-04-05" }, now, "Europe/Berlin", false).provisional[0]).toBe("2026-03-28");
  });

  it("is 7 days back in the week after a fall-back (a 25-hour day), never reaching a day no event can land on", () => {
    // Berlin falls back on 2026-10-25. At 23:30 on 2026-10-31, 168 hours back is 00:30 on 2026-10-25.
    const now = Date.parse("2026-10-31T22:30:00Z");
    expect(rerollWindow(now, "Europe/Berlin")).toEqual(["2026-10-25", "2026-10-26", "2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31"]);
  });
});

describe("orderWork", () => {
  it("orders by priority, then day, then the sites' turn", () => {
    const w = [
      { day: "2026-11-20", priority: 3, turn: 0 },
      { day: "2026-11-20", priority: 3, turn: 1 },
      { day: "2026-11-19", priority: 2, turn: 1 },
      { day: "2026-11-18", priority: 2, turn: 0 },
      { day: "2026-11-19", priority: 0, turn: 2 },
      { day: "2026-11-19", priority: 2, turn: 0 },
    ];
    expect(orderWork(w).map((x) => `${x.priority}/${x.day}/${x.turn}`)).toEqual([
      "0/2026-11-19/2",
      "2/2026-11-18/0",
      "2/2026-11-19/0",
      "2/2026-11-19/1",
      "3/2026-11-20/0",
      "3/2026-11-20/1",
    ]);
  });
});

describe("retentionDays and QueryBudget", () => {
  it("defaults to 8 days and never goes below 8", () => {
    expect(retentionDays(undefined)).toBe(8);
    expect(retentionDays("")).toBe(8);
    expect(retentionDays("3")).toBe(8);
    expect(retentionDays("30")).toBe(30);
    expect(retentionDays("soon")).toBe(8);
  });

  it("refuses queries beyond the limit and keeps the reserve until released", () => {
    const b = new QueryBudget(10, 4);
    expect(b.take(6)).toBe(true);
    expect(b.take(1)).toBe(false);
    expect(b.used).toBe(6);
    b.release();
    expect(b.take(4)).toBe(true);
    expect(b.take(1)).toBe(false);
    expect(b.left).toBe(0);
  });
});
