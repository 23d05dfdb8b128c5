import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FX_MAX_CURRENCIES } from "../../src/fx/rates";
import { addDays, dayOf } from "../../src/time/day";
import { ADMIN, call, errorOf, withJson } from "../helpers/http";

const put = (day: string, body: unknown, token: string | null = ADMIN) => call(`/v1/admin/fx/${day}`, withJson("PUT", body, token ?? undefined));
const rowsOf = async (day: string) =>
  (await env.DB.prepare("SELECT currency, rate, base FROM fx_rates WHERE day = ? ORDER BY currency").bind(day).all<{ currency: string; rate: number; base: string }>()).results;

describe("PUT /v1/admin/fx/:day", () => {
  it("sets a day's rates, the base at 1, and answers them", async () => {
    const res = await put("2026-11-27", { base: "EUR", rates: { USD: 1.0832, JPY: 163.45 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ day: "2026-11-27", base: "EUR", rates: { EUR: 1, JPY: 163.45, USD: 1.0832 } });
    expect(await rowsOf("2026-11-27")).toEqual([
      { currency: "EUR", rate: 1, base: "EUR" },
      { currency: "JPY", rate: 163.45, base: "EUR" },
      { currency: "USD", rate: 1.0832, base: "EUR" },
    ]);
  });

  it("replaces the whole day, so a day never mixes two bases", async () => {
    await put("2026-11-20", { base: "EUR", rates: { USD: 1.05, GBP: 0.85 } });
    expect((await put("2026-11-20", { base: "USD", rates: { EUR: 0.95 } })).status).toBe(200);
    expect(await rowsOf("2026-11-20")).toEqual([
      { currency: "EUR", rate: 0.95, base: "USD" },
      { currency: "USD", rate: 1, base: "USD" },
    ]);
  });

  it("needs the admin token", async () => {
    expect((await put("2026-11-21", { base: "EUR", rates: { USD: 1 } }, null)).status).toBe(401);
    const wrong = await put("2026-11-21", { base: "EUR", rates: { USD: 1 } }, "not-the-token");
    expect(wrong.status).toBe(403);
    expect(await errorOf(wrong)).toMatchObject({ code: "forbidden" });
    expect(await rowsOf("2026-11-21")).toEqual([]);
  });

  it("rejects bad input with the contract's error shape, naming the field", async () => {
    const tomorrow = addDays(dayOf(Date.now(), "UTC"), 1);
    const cases: [string, unknown, string, string | undefined][] = [
      ["2026-02-30", { base: "EUR", rates: { USD: 1 } }, "invalid_day", "day"],
      [addDays(tomorrow, 1), { base: "EUR", rates: { USD: 1 } }, "invalid_day", "day"],
      ["2026-11-22", [], "invalid_body", undefined],
      ["2026-11-22", { base: "EUR", rates: { USD: 1 }, source: "x" }, "unknown_field", "source"],
      ["2026-11-22", { rates: { USD: 1 } }, "invalid_currency", "base"],
      ["2026-11-22", { base: "eur", rates: { USD: 1 } }, "invalid_currency", "base"],
      ["2026-11-22", { base: "EUR", rates: [1] }, "invalid_rates", "rates"],
      ["2026-11-22", { base: "EUR", rates: {} }, "invalid_rates", "rates"],
      ["2026-11-22", { base: "EUR", rates: { EUR: 1 } }, "invalid_rates", "rates"],
      ["2026-11-22", { base: "EUR", rates: { US: 1 } }, "invalid_currency", "rates.US"],
      ["2026-11-22", { base: "EUR", rates: { USD: 0 } }, "invalid_number", "rates.USD"],
      ["2026-11-22", { base: "EUR", rates: { USD: "1.08" } }, "invalid_number", "rates.USD"],
      ["2026-11-22", { base: "EUR", rates: { USD: 2e9 } }, "invalid_number", "rates.USD"],
      ["2026-11-22", { base: "EUR", rates: { EUR: 1.1, USD: 1 } }, "invalid_number", "rates.EUR"],
      ["2026-11-22", { base: "EUR", rates: Object.fromEntries(Array.from({ length: FX_MAX_CURRENCIES + 1 }, (_, i) => [`Q${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, 1])) }, "too_many", "rates"],
    ];
    for (const [day, body, code, field] of cases) {
      const res = await put(day, body);
      expect(res.status, `${day} ${JSON.stringify(body).slice(0, 60)}`).toBe(422);
      const err = await errorOf(res);
      expect(err.code, JSON.stringify(body).slice(0, 60)).toBe(code);
      expect(err.field).toBe(field);
      expect(typeof err.message).toBe("string");
    }
    // Tomorrow is allowed (a timezone ahead of UTC); malformed JSON is a 400.
    expect((await put(tomorrow, { base: "EUR", rates: { USD: 1.1 } })).status).toBe(200);
    const malformed = await call("/v1/admin/fx/2026-11-22", { method: "PUT", body: "{", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect(await rowsOf("2026-11-22")).toEqual([]);
  });
});
