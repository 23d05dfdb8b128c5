import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { ADMIN, call, createSite, errorOf, withJson } from "../helpers/http";
import { atomsOf, HOUR, insertEvents, landing, touch } from "../rollup/fixtures";

const rollup = (body: unknown, token: string | undefined = ADMIN) => call("/v1/admin/rollup", withJson("POST", body, token));
const today = () => dayOf(Date.now(), "UTC");

describe("POST /v1/admin/rollup", () => {
  it("recomputes a range including today and answers the counts", async () => {
    await createSite({ id: "adm", domains: ["adm.example"], goals: [{ name: "purchase" }] });
    const t = today();
    const y = addDays(t, -1);
    await insertEvents("adm", "UTC", [
      landing(dayStart(y, "UTC") + HOUR, "a", "google", "cpc"),
      { ts: dayStart(y, "UTC") + 2 * HOUR, visitor: "a", name: "purchase", value: 9, journey: [touch("google", dayStart(y, "UTC") + HOUR, "cpc")] },
      landing(dayStart(t, "UTC") + 60_000, "b", "bing", "cpc"),
    ]);
    const res = await rollup({ site: "adm", from: y, to: t });
    expect(res.status).toBe(200);
    // yesterday: google × (purchase, (macro)) × 6; today: bing × 2 × 6
    expect(await res.json()).toEqual({ days: 2, atoms: 24, events: 3 });
    expect((await atomsOf("adm", y)).find((a) => a.source === "google" && a.goal === "purchase" && a.model === "last_click")).toMatchObject({ visitors: 1, conversions: 1, revenue: 9 });
    expect((await atomsOf("adm", t)).find((a) => a.source === "bing")).toMatchObject({ visitors: 1 });

    // It really recomputes: a tampered atom of a finished, unchanged day is restored.
    await env.DB.prepare(`UPDATE atoms SET conversions = 99 WHERE site = 'adm'`).run();
    const again = await rollup({ site: "adm", from: y, to: y });
    expect(await again.json()).toEqual({ days: 1, atoms: 12, events: 2 });
    expect((await atomsOf("adm", y)).find((a) => a.source === "google" && a.goal === "purchase" && a.model === "last_click")).toMatchObject({ conversions: 1 });
  });

  it("recomputes every site when no site is given", async () => {
    await createSite({ id: "adm-all", domains: ["all.example"] });
    const sites = (await env.DB.prepare(`SELECT COUNT(*) AS n FROM sites`).first<{ n: number }>())!.n;
    const t = today();
    const res = await rollup({ from: addDays(t, -2), to: t });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { days: number }).days).toBe(3 * sites);
  });

  it.each([
    [{ to: "2026-11-01" }, "required", "from"],
    [{ from: "2026-11-01" }, "required", "to"],
    [{ from: "2026-02-30", to: "2026-03-01" }, "invalid_day", "from"],
    [{ from: "2026-11-01", to: "tomorrow" }, "invalid_day", "to"],
    [{ from: "2026-11-02", to: "2026-11-01" }, "invalid_range", "from"],
    [{ from: "2026-10-01", to: "2026-11-01" }, "range_too_long", "to"],
    [{ from: "2026-11-01", to: "2026-11-01", extra: 1 }, "unknown_field", "extra"],
    [{ site: 7, from: "2026-11-01", to: "2026-11-01" }, "invalid_site", "site"],
  ])("answers 422 for %j (%s at %s)", async (body, code, field) => {
    const res = await rollup(body);
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code, field });
  });

  it("refuses future days and days past raw-event retention, accepts the oldest kept day", async () => {
    await createSite({ id: "adm-range", domains: ["range.example"], timezone: "Pacific/Kiritimati" });
    const local = dayOf(Date.now(), "Pacific/Kiritimati");
    const future = await rollup({ site: "adm-range", from: local, to: addDays(local, 1) });
    expect(future.status).toBe(422);
    expect(await errorOf(future)).toMatchObject({ code: "future_day", field: "to" });
    const old = await rollup({ site: "adm-range", from: addDays(local, -9), to: local });
    expect(old.status).toBe(422);
    expect(await errorOf(old)).toMatchObject({ code: "beyond_retention", field: "from" });
    const edge = await rollup({ site: "adm-range", from: addDays(local, -8), to: local });
    expect(edge.status).toBe(200);
    expect(((await edge.json()) as { days: number }).days).toBe(9);
    // 32 days is over the limit whatever the retention; that check comes first.
    const long = await rollup({ site: "adm-range", from: addDays(local, -31), to: local });
    expect(await errorOf(long)).toMatchObject({ code: "range_too_long" });
  });

  it("answers 404 for an unknown site and 401/403 without the admin token", async () => {
    const t = today();
    const missing = await rollup({ site: "nope", from: t, to: t });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("site_not_found");
    expect((await rollup({ from: t, to: t }, "")).status).toBe(401);
    expect((await rollup({ from: t, to: t }, "wrong")).status).toBe(403);
    const bad = await call("/v1/admin/rollup", withJson("POST", "{oops", ADMIN));
    expect(bad.status).toBe(400);
  });
});
