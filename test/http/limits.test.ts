import { describe, expect, it } from "vitest";
import { ADMIN, call, createSite, errorOf, withJson } from "../helpers/http";

describe("site limits (v1.1)", () => {
  it("defaults to 5,000 touches a day and 600 hits a minute, shown by GET; PATCH changes one and keeps the other", async () => {
    const site = await createSite({ id: "lim1", domains: ["a.example"] });
    expect(site.limits).toEqual({ touches_per_day: 5000, collect_per_minute: 600 });
    const patched = await call("/v1/admin/sites/lim1", withJson("PATCH", { limits: { collect_per_minute: 0 } }, ADMIN));
    expect(patched.status).toBe(200);
    const got = (await (await call("/v1/admin/sites/lim1", { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { limits: unknown };
    expect(got.limits).toEqual({ touches_per_day: 5000, collect_per_minute: 0 });
  });

  it.each([
    [{ limits: 5 }, "invalid_limits", "limits"],
    [{ limits: { touches_per_day: 0 } }, "out_of_range", "limits.touches_per_day"],
    [{ limits: { touches_per_day: 50_001 } }, "out_of_range", "limits.touches_per_day"],
    [{ limits: { collect_per_minute: -1 } }, "out_of_range", "limits.collect_per_minute"],
    [{ limits: { collect_per_minute: 30_001 } }, "out_of_range", "limits.collect_per_minute"],
    [{ limits: { collect_per_minute: 1.5 } }, "out_of_range", "limits.collect_per_minute"],
    [{ limits: { per_hour: 5 } }, "unknown_field", "limits.per_hour"],
  ])("refuses %j with %s on %s", async (patch, code, field) => {
    const res = await call("/v1/admin/sites", withJson("POST", { id: "lim2", domains: ["a.example"], ...patch }, ADMIN));
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code, field });
  });
});
