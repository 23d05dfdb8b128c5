import { describe, expect, it } from "vitest";
import { hitDayOf } from "../../src/collect/today";
import { dayOf } from "../../src/time/day";

const HOUR = 3_600_000;
// Zones with DST changes at different local hours (Berlin 02:00/03:00, Santiago at midnight,
// Lord Howe by half an hour), a zone without DST, and UTC.
const ZONES = ["UTC", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "America/New_York"];

describe("hitDayOf", () => {
  it("answers dayOf's day for every quarter hour across a year's DST changes, in order", () => {
    const from = Date.UTC(2026, 0, 1);
    for (const tz of ZONES) {
      for (let ms = from; ms < from + 366 * 24 * HOUR; ms += HOUR / 4) {
        const got = hitDayOf(ms, tz);
        if (got !== dayOf(ms, tz)) expect(got, `${tz} ${new Date(ms).toISOString()}`).toBe(dayOf(ms, tz));
      }
    }
  });

  it("answers dayOf's day when instants jump back and forth between zones and days", () => {
    const from = Date.UTC(2026, 2, 20);
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5_000; i++) {
      const tz = ZONES[Math.floor(rand() * ZONES.length)]!;
      const ms = from + Math.floor(rand() * 40 * 24 * HOUR);
      expect(hitDayOf(ms, tz), `${tz} ${new Date(ms).toISOString()}`).toBe(dayOf(ms, tz));
    }
  });
});
