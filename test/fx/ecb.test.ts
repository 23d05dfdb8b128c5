import { describe, expect, it } from "vitest";
import { ECB_MAX_DAYS, parseEcbXml } from "../../src/fx/ecb";
import { ECB_DAILY } from "./fixtures";


describe("parseEcbXml", () => {
  it("reads the ECB daily file: the date it names, rates per euro, EUR at 1", () => {
    expect(parseEcbXml(ECB_DAILY)).toEqual([
      { day: "2026-11-27", base: "EUR", rates: { EUR: 1, USD: 1.0832, JPY: 163.45, GBP: 0.83515, CHF: 0.9418, HUF: 398.73 } },
    ]);
  });

  it("reads the history files (one Cube per day), double quotes and attributes in any order, newest first", () => {
    const xml = `<Cube><Cube time="2026-11-26"><Cube rate="1.0801" currency="USD" /></Cube>
      <Cube time="2026-11-27"><Cube currency="USD" rate="1.0832"/><Cube currency="GBP" rate="0.83515"/></Cube></Cube>`;
    expect(parseEcbXml(xml)).toEqual([
      { day: "2026-11-27", base: "EUR", rates: { EUR: 1, USD: 1.0832, GBP: 0.83515 } },
      { day: "2026-11-26", base: "EUR", rates: { EUR: 1, USD: 1.0801 } },
    ]);
  });

  it("keeps at most ECB_MAX_DAYS days, the newest", () => {
    const days = Array.from({ length: ECB_MAX_DAYS + 20 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
    const xml = `<Cube>${days.map((d) => `<Cube time='${d}'><Cube currency='USD' rate='1.1'/></Cube>`).join("")}</Cube>`;
    const parsed = parseEcbXml(xml);
    expect(parsed).toHaveLength(ECB_MAX_DAYS);
    expect(parsed[0]!.day).toBe(days[days.length - 1]);
  });

  it("skips malformed entries and rejects a document without rates", () => {
    const xml = `<Cube time='2026-11-27'><Cube currency='usd' rate='1'/><Cube currency='USD' rate='-1'/><Cube currency='GBP' rate='abc'/><Cube currency='CHF' rate='0.94'/></Cube>
      <Cube time='2026-13-01'><Cube currency='USD' rate='1.1'/></Cube>`;
    expect(parseEcbXml(xml)).toEqual([{ day: "2026-11-27", base: "EUR", rates: { EUR: 1, CHF: 0.94 } }]);
    expect(() => parseEcbXml("<html><body>Service unavailable</body></html>")).toThrow(/no dated rates/);
    expect(() => parseEcbXml("<Cube time='2026-11-27'></Cube>")).toThrow(/no dated rates/);
  });
});
