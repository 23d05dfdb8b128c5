// Fuzzing the admin sites API: create, read, patch, delete, rotate keys (the rollup: rollup.test.ts).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, createSite } from "../helpers/http";
import { bodyText, contentType, fieldsObject, weirdString, type Json } from "./arbitraries";
import { checkAnswer, RUNS } from "./check";

const SITE_KEYS = ["id", "domains", "timezone", "currency", "privacy", "attribution", "goals", "funnels", "collect"] as const;

let nextId = 0;
const plausibleSite: Record<string, fc.Arbitrary<Json>> = {
  id: fc.oneof(fc.constant(null).map(() => `fz-${nextId++}`), fc.constantFrom("Bad Id", "", "-x", "a".repeat(70), "fz/x")),
  domains: fc.oneof(
    fc.constant<Json>(["fz.example"]),
    fc.array(fc.constantFrom<Json>("fz.example", "localhost", "127.0.0.1", "::1", "https://x.example/", "*.x.example", "xn--nxasmq6b.example", "ünï.example", ""), { maxLength: 4 }),
  ),
  timezone: fc.constantFrom("UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Mars/Base", "utc", "+02:00", ""),
  currency: fc.constantFrom("EUR", "USD", "JPY", "eur", "XYZ", "EURO"),
  privacy: fieldsObject(["k", "epsilon", "final_only"], {
    k: fc.constantFrom(1, 10, 0, -1, 1.5, 1e9),
    epsilon: fc.constantFrom(null, 0.5, 0, -1, 1e308),
    final_only: fc.boolean(),
  }),
  attribution: fieldsObject(["click_window_days", "view_window_days"], {
    click_window_days: fc.constantFrom(1, 30, 90, 0, -3, 1e6, 2.5),
    view_window_days: fc.constantFrom(0, 1, 7, -1, 1e6),
  }),
  goals: fc.array(fieldsObject(["name", "tier", "value", "currency"], { name: fc.constantFrom("purchase", "signup", "pageview", ""), tier: fc.constantFrom("macro", "micro", "mega") }), { maxLength: 4 }),
  funnels: fc.array(fieldsObject(["name", "steps"], { name: fc.constantFrom("checkout", ""), steps: fc.constant(["pageview", "purchase"]) }), { maxLength: 3 }),
  collect: fieldsObject(["rate_limit", "honor_gpc"], { rate_limit: fc.boolean(), honor_gpc: fc.boolean() }),
};

const adminHeaders = (type: string | null): Headers => {
  const h = new Headers({ authorization: `Bearer ${ADMIN}` });
  if (type !== null) h.set("content-type", type);
  return h;
};

/** A stored site's configuration must always be well formed, whatever was sent to change it. */
function checkSiteView(view: Record<string, unknown>): void {
  const privacy = view.privacy as { k: unknown; epsilon: unknown; final_only: unknown };
  const windows = view.attribution as { click_window_days: unknown; view_window_days: unknown };
  const ok =
    typeof view.id === "string" &&
    Array.isArray(view.domains) && view.domains.length > 0 &&
    typeof view.timezone === "string" && /^[A-Z]{3}$/.test(String(view.currency)) &&
    Number.isInteger(privacy.k) && (privacy.k as number) >= 1 &&
    (privacy.epsilon === null || (typeof privacy.epsilon === "number" && privacy.epsilon > 0 && Number.isFinite(privacy.epsilon))) &&
    typeof privacy.final_only === "boolean" &&
    typeof windows.click_window_days === "number" && windows.click_window_days > 0 && Number.isFinite(windows.click_window_days) &&
    typeof windows.view_window_days === "number" && windows.view_window_days >= 0 && Number.isFinite(windows.view_window_days) &&
    Array.isArray(view.goals) && Array.isArray(view.funnels);
  if (!ok) throw new Error(`a stored site is malformed: ${JSON.stringify(view).slice(0, 400)}`);
}

/** Path segments that are ids, almost ids, or tricks. */
const idSegment = fc.oneof(
  fc.constantFrom("fz-admin", "nosuch", "..", ".", "%2e%2e", "%2F", "fz-admin%2Fkeys", "%E0%A4%A", "%ED%A0%80", "%00", "FZ-ADMIN", "fz-admin%20", "a".repeat(500)),
  weirdString.map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return "%ED%A0%80";
    }
  }),
);

beforeAll(async () => {
  await createSite({ id: "fz-admin", domains: ["fz-admin.example"], goals: [{ name: "purchase" }] });
});

describe("fuzz: admin sites", () => {
  it("POST /v1/admin/sites answers 201 with a well-formed site, or a JSON error", async () => {
    await fc.assert(
      fc.asyncProperty(bodyText(fieldsObject(SITE_KEYS, plausibleSite)), contentType, async (text, type) => {
        const res = await call("/v1/admin/sites", { method: "POST", body: text, headers: adminHeaders(type) });
        const clone = res.clone();
        await checkAnswer(res, `POST /v1/admin/sites ${text.slice(0, 300)}`);
        if (clone.status === 201) {
          const site = (await clone.json()) as Record<string, unknown>;
          if (typeof site.ingest_key !== "string" || typeof site.read_key !== "string") throw new Error("201 without keys");
          checkSiteView(site);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("PATCH either applies a well-formed change or changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(bodyText(fieldsObject(SITE_KEYS.filter((k) => k !== "id"), plausibleSite)), contentType, async (text, type) => {
        const before = await (await call("/v1/admin/sites/fz-admin", { headers: adminHeaders(null) })).json();
        const res = await call("/v1/admin/sites/fz-admin", { method: "PATCH", body: text, headers: adminHeaders(type) });
        const status = res.status;
        await checkAnswer(res, `PATCH ${text.slice(0, 300)}`);
        const got = await call("/v1/admin/sites/fz-admin", { headers: adminHeaders(null) });
        if (got.status !== 200) throw new Error(`the site answers ${got.status} after a PATCH`);
        const after = (await got.json()) as Record<string, unknown>;
        checkSiteView(after);
        if (status >= 400) {
          delete (after as { updated_at?: unknown }).updated_at;
          delete (before as { updated_at?: unknown }).updated_at;
          expect(after, `a refused PATCH (${status}) changed the site`).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("GET, DELETE and key rotation take any id in the path without a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(idSegment, fc.constantFrom("GET", "DELETE", "POST keys", "PATCH"), async (id, op) => {
        // The fixture site must survive: deleting or rotating it would break the other properties.
        if (decodeURIComponentSafe(id) === "fz-admin") return;
        const path = op === "POST keys" ? `/v1/admin/sites/${id}/keys` : `/v1/admin/sites/${id}`;
        const method = op === "POST keys" ? "POST" : op;
        const init: RequestInit = { method, headers: adminHeaders("application/json") };
        if (method === "PATCH") init.body = '{"timezone":"UTC"}';
        const res = await call(path, init);
        await checkAnswer(res, `${method} ${path}`);
      }),
      { numRuns: RUNS },
    );
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
