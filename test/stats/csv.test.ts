import { describe, expect, it } from "vitest";
import { field, neutralise, toCsv } from "../../src/stats/csv";
import { emptySums, present } from "../../src/stats/figures";

describe("CSV fields (RFC 4180)", () => {
  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rhere", '"cr\rhere"'],
  ])("%j → %s", (v, want) => {
    expect(field(v)).toBe(want);
  });

  it("writes null as an empty field and numbers as numbers, negative ones untouched", () => {
    expect(field(null)).toBe("");
    expect(field(-21)).toBe("-21");
    expect(field(3.5)).toBe("3.5");
  });
});

describe("formula injection", () => {
  it.each(["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])("neutralises %j with a leading apostrophe", (v) => {
    expect(neutralise(v)).toBe(`'${v}`);
  });

  it("leaves ordinary text alone and quotes a neutralised cell that still needs quoting", () => {
    expect(neutralise("spring sale")).toBe("spring sale");
    expect(field("=1,2")).toBe('"\'=1,2"');
    expect(field("\rx")).toBe('"\'\rx"');
  });
});

describe("toCsv", () => {
  it("writes a header, the rows, then (other) and (total), with CRLF and a column per currency", () => {
    const f = (visitors: number, rbc: Record<string, number>) => {
      const s = emptySums();
      s.visitors = visitors;
      s.credit = 2;
      s.revenue = rbc.EUR ?? 0;
      s.revenue_by_currency = rbc;
      return present(s, "EUR");
    };
    const rows = [{ source: "=evil", medium: "cpc", campaign: 'say "hi", ok', ...f(100, { EUR: 10, USD: 5 }) }];
    const csv = toCsv(["source", "medium", "campaign"], rows, f(20, {}), f(120, { EUR: 10, USD: 5 }));
    const lines = csv.split("\r\n");
    expect(lines).toHaveLength(5); // header, row, other, total, trailing empty
    expect(lines[4]).toBe("");
    expect(lines[0]).toBe("source,medium,campaign,clicks,visitors,conversions,conversion_rate,revenue,currency,cost,cpa,roas,platform_conversions,discrepancy,revenue_EUR,revenue_USD");
    expect(lines[1]).toBe(`'=evil,cpc,"say ""hi"", ok",0,100,2,2,10,EUR,,,,,,10,5`);
    expect(lines[2]).toBe("(other),,,0,20,2,10,0,EUR,,,,,,0,0");
    expect(lines[3]).toBe("(total),,,0,120,2,1.67,10,EUR,,,,,,10,5");
    expect(csv.includes("\n") && !/[^\r]\n/.test(csv)).toBe(true);
  });
});
