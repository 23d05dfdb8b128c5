// Who may call what (CONTRACT.md): every authenticated endpoint × every kind of credential.
//   ingest endpoints (/v1/events, /v1/links, /v1/spend): a site's ingest key, acting on its own site only
//   read endpoints (/v1/stats, /v1/funnel, /v1/live): the read key of the site named in `site=`
//   admin endpoints (/v1/admin/*): the ADMIN_TOKEN — which is not a site key, and no site key is it
// Plus: /l/:code never takes its target from the query string; CSV cells never start a formula.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, createSite, type CreatedSite } from "../helpers/http";
import { parseCsv } from "../fuzz/check";

type Cred = "none" | "garbage" | "admin" | "a_ingest" | "a_read" | "b_ingest" | "b_read";
const CREDS: Cred[] = ["none", "garbage", "admin", "a_ingest", "a_read", "b_ingest", "b_read"];

let a: CreatedSite;
let b: CreatedSite;
let ipCounter = 0;

function token(c: Cred): string | null {
  switch (c) {
    case "none":
      return null;
    case "garbage":
      return "eti_" + "A".repeat(43);
    case "admin":
      return ADMIN;
    case "a_ingest":
      return a.ingest_key;
    case "a_read":
      return a.read_key;
    case "b_ingest":
      return b.ingest_key;
    case "b_read":
      return b.read_key;
  }
}

/** Headers for one attempt; each attempt comes from its own IP so the failed-auth limiter never answers 429 here. */
function headers(c: Cred, extra: Record<string, string> = {}): Headers {
  ipCounter++;
  const h = new Headers({ "content-type": "application/json", "cf-connecting-ip": `198.18.${(ipCounter >> 8) & 255}.${ipCounter & 255}`, ...extra });
  const t = token(c);
  if (t !== null) h.set("authorization", `Bearer ${t}`);
  return h;
}

const today = () => new Date().toISOString().slice(0, 10);
let seq = 0;

interface Endpoint {
  name: string;
  /** the credentials that must pass (2xx); every other one must get 401 (none) or 403 */
  allowed: Cred[];
  /** a credential that authenticates but whose site may not do this, with the refusal expected */
  refused?: Partial<Record<Cred, string>>;
  request: (c: Cred) => Promise<Response>;
}

const ENDPOINTS: Endpoint[] = [
  {
    name: "POST /v1/events",
    allowed: ["a_ingest", "b_ingest"],
    request: (c) => call("/v1/events", { method: "POST", headers: headers(c), body: JSON.stringify({ events: [{ name: "pageview", event_id: `matrix-${c}-${seq++}` }] }) }),
  },
  {
    name: "POST /v1/links",
    allowed: ["a_ingest"],
    // A destination on site A: B's ingest key authenticates but may not link into A's domains.
    refused: { b_ingest: "422 invalid_destination" },
    request: (c) => call("/v1/links", { method: "POST", headers: headers(c), body: JSON.stringify({ destination: "https://a.example/landing", source: "newsletter", medium: "email", campaign: "matrix" }) }),
  },
  {
    name: "POST /v1/spend",
    allowed: ["a_ingest", "b_ingest"],
    request: (c) => call("/v1/spend", { method: "POST", headers: headers(c), body: JSON.stringify([{ day: today(), source: "google", medium: "cpc", campaign: `matrix-${c}`, cost: 10, currency: "USD" }]) }),
  },
  {
    name: "GET /v1/stats",
    allowed: ["a_read"],
    request: (c) => call(`/v1/stats?site=matrix-a&from=${today()}&to=${today()}`, { headers: headers(c) }),
  },
  {
    name: "GET /v1/stats (CSV)",
    allowed: ["a_read"],
    request: (c) => call(`/v1/stats?site=matrix-a&from=${today()}&to=${today()}&format=csv`, { headers: headers(c) }),
  },
  {
    name: "GET /v1/funnel",
    allowed: ["a_read"],
    request: (c) => call(`/v1/funnel?site=matrix-a&from=${today()}&to=${today()}&funnel=checkout`, { headers: headers(c) }),
  },
  {
    name: "POST /v1/live",
    allowed: ["a_read"],
    request: (c) => call("/v1/live?site=matrix-a", { method: "POST", headers: headers(c) }),
  },
  {
    name: "GET /v1/live",
    allowed: ["a_read"],
    request: (c) => call("/v1/live?site=matrix-a", { headers: headers(c) }),
  },
  {
    name: "POST /v1/admin/sites",
    allowed: ["admin"],
    request: (c) => call("/v1/admin/sites", { method: "POST", headers: headers(c), body: JSON.stringify({ id: `matrix-new-${seq++}`, domains: ["new.example"] }) }),
  },
  {
    name: "GET /v1/admin/sites/:id",
    allowed: ["admin"],
    request: (c) => call("/v1/admin/sites/matrix-a", { headers: headers(c) }),
  },
  {
    name: "PATCH /v1/admin/sites/:id",
    allowed: ["admin"],
    request: (c) => call("/v1/admin/sites/matrix-a", { method: "PATCH", headers: headers(c), body: JSON.stringify({ timezone: "UTC" }) }),
  },
  {
    name: "POST /v1/admin/sites/:id/keys",
    allowed: ["admin"],
    // A throwaway site per attempt: rotating A's keys would change the matrix under the test.
    request: async (c) => {
      const id = `matrix-rot-${seq++}`;
      await createSite({ id, domains: ["rot.example"] });
      return call(`/v1/admin/sites/${id}/keys`, { method: "POST", headers: headers(c) });
    },
  },
  {
    name: "DELETE /v1/admin/sites/:id",
    allowed: ["admin"],
    request: async (c) => {
      const id = `matrix-del-${seq++}`;
      await createSite({ id, domains: ["del.example"] });
      return call(`/v1/admin/sites/${id}`, { method: "DELETE", headers: headers(c) });
    },
  },
  {
    name: "POST /v1/admin/rollup",
    allowed: ["admin"],
    request: (c) => call("/v1/admin/rollup", { method: "POST", headers: headers(c), body: JSON.stringify({ site: "matrix-a", from: today(), to: today() }) }),
  },
];

beforeAll(async () => {
  a = await createSite({ id: "matrix-a", domains: ["a.example"], goals: [{ name: "purchase" }], funnels: [{ name: "checkout", steps: ["pageview", "purchase"] }], privacy: { k: 1 } });
  b = await createSite({ id: "matrix-b", domains: ["b.example"], goals: [{ name: "purchase" }], funnels: [{ name: "checkout", steps: ["pageview", "purchase"] }] });
});

describe("auth matrix", () => {
  it.each(ENDPOINTS.map((e) => [e.name, e] as const))("%s: only the right credential passes", async (_name, endpoint) => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const c of CREDS) {
      const res = await endpoint.request(c);
      const text = await res.text();
      expect(res.status, `${endpoint.name} with ${c}: ${text.slice(0, 200)}`).not.toBe(501);
      const code = res.status >= 400 && text.startsWith("{") ? ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "") : "";
      got[c] = res.status < 300 ? "pass" : `${res.status} ${code}`;
      want[c] = endpoint.allowed.includes(c) ? "pass" : (endpoint.refused?.[c] ?? (c === "none" ? "401 unauthorized" : "403 forbidden"));
    }
    expect(got).toEqual(want);
  });

  it("writes with B's ingest key land on site B only, and refused attempts write nothing", async () => {
    for (const c of CREDS) {
      await call("/v1/events", { method: "POST", headers: headers(c), body: JSON.stringify({ events: [{ name: "pageview", event_id: `iso-${c}` }] }) });
      await call("/v1/spend", { method: "POST", headers: headers(c), body: JSON.stringify([{ day: today(), source: "google", medium: "cpc", campaign: `iso-${c}`, cost: 10, currency: "USD" }]) });
      await call("/v1/links", { method: "POST", headers: headers(c), body: JSON.stringify({ destination: "https://a.example/iso", source: "newsletter", medium: "email", campaign: `iso-${c}` }) });
    }
    const { results } = await env.DB.prepare("SELECT site, event_id FROM events WHERE event_id LIKE 'iso-%' ORDER BY event_id").all<{ site: string; event_id: string }>();
    expect(results).toEqual([
      { site: "matrix-a", event_id: "iso-a_ingest" },
      { site: "matrix-b", event_id: "iso-b_ingest" },
    ]);
    const spend = await env.DB.prepare("SELECT site, campaign FROM spend WHERE campaign LIKE 'iso-%' ORDER BY site").all<{ site: string; campaign: string }>();
    expect(spend.results).toEqual([
      { site: "matrix-a", campaign: "iso-a_ingest" },
      { site: "matrix-b", campaign: "iso-b_ingest" },
    ]);
    const links = await env.DB.prepare("SELECT site, campaign FROM links WHERE campaign LIKE 'iso-%'").all<{ site: string; campaign: string }>();
    expect(links.results).toEqual([{ site: "matrix-a", campaign: "iso-a_ingest" }]);
  });

  it("reads only the site named by the read key: A's key on site=B and B's key on site=A are refused", async () => {
    const ab = await call(`/v1/stats?site=matrix-b&from=${today()}&to=${today()}`, { headers: headers("a_read") });
    expect(ab.status).toBe(403);
    const ba = await call(`/v1/funnel?site=matrix-a&from=${today()}&to=${today()}&funnel=checkout`, { headers: headers("b_read") });
    expect(ba.status).toBe(403);
    // Repeating `site` cannot smuggle a second site past the key check.
    const twice = await call(`/v1/stats?site=matrix-a&site=matrix-b&from=${today()}&to=${today()}`, { headers: headers("a_read") });
    if (twice.status === 200) expect(((await twice.json()) as { site: string }).site).toBe("matrix-a");
    else expect(twice.status).toBeGreaterThanOrEqual(400);
  });

  it("takes keys only from the Authorization header, as a Bearer token", async () => {
    const q = `site=matrix-a&from=${today()}&to=${today()}`;
    for (const param of ["key", "token", "access_token", "read_key"]) {
      const res = await call(`/v1/stats?${q}&${param}=${a.read_key}`, { headers: headers("none") });
      expect(res.status, param).toBe(401);
    }
    for (const auth of [`Basic ${a.read_key}`, `Token ${a.read_key}`, a.read_key, `Bearer ${a.read_key} extra`, `Bearer ${a.read_key.slice(0, -1)}`, `Bearer ${a.read_key}x`]) {
      const h = headers("none");
      h.set("authorization", auth);
      const res = await call(`/v1/stats?${q}`, { headers: h });
      expect(res.status, auth).toBeGreaterThanOrEqual(401);
      expect(res.status, auth).toBeLessThanOrEqual(403);
    }
    const cookie = await call(`/v1/stats?${q}`, { headers: headers("none", { cookie: `read_key=${a.read_key}` }) });
    expect(cookie.status).toBe(401);
  });

  it("stops accepting keys once they are rotated, and a deleted site's keys", async () => {
    const c = await createSite({ id: "matrix-c", domains: ["c.example"] });
    const q = `/v1/stats?site=matrix-c&from=${today()}&to=${today()}`;
    const auth = (k: string) => ({ authorization: `Bearer ${k}`, "cf-connecting-ip": "198.19.0.1" });
    expect((await call(q, { headers: auth(c.read_key) })).status).toBe(200);
    const rotated = (await (await call("/v1/admin/sites/matrix-c/keys", { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { read_key: string; ingest_key: string };
    expect((await call(q, { headers: auth(c.read_key) })).status).toBe(403);
    expect((await call("/v1/events", { method: "POST", headers: auth(c.ingest_key), body: '{"events":[]}' })).status).toBe(403);
    expect((await call(q, { headers: auth(rotated.read_key) })).status).toBe(200);
    expect((await call("/v1/admin/sites/matrix-c", { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(204);
    expect((await call(q, { headers: auth(rotated.read_key) })).status).toBe(403);
    expect((await call("/v1/events", { method: "POST", headers: auth(rotated.ingest_key), body: '{"events":[]}' })).status).toBe(403);
  });
});

describe("tracked links take no target from the request", () => {
  it("redirects to the stored destination whatever the query string says", async () => {
    const created = await call("/v1/links", {
      method: "POST",
      headers: headers("a_ingest"),
      body: JSON.stringify({ destination: "https://a.example/landing?ref=1", source: "newsletter", medium: "email", campaign: "nov" }),
    });
    expect(created.status).toBe(201);
    const { code } = (await created.json()) as { code: string };
    const evil = encodeURIComponent("https://evil.example/phish");
    const tricks = [
      `url=${evil}`, `to=${evil}`, `redirect=${evil}`, `destination=${evil}`, `next=${evil}`, `u=${evil}`, `target=${evil}`,
      "utm_source=evil&utm_medium=evil&utm_campaign=evil", `url=${evil}&url=${evil}`, "%2F%2Fevil.example",
    ];
    for (const qs of tricks) {
      const res = await call(`/l/${code}?${qs}`, { redirect: "manual" });
      expect(res.status, qs).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(location.origin + location.pathname, qs).toBe("https://a.example/landing");
      expect(location.searchParams.get("ref"), qs).toBe("1");
      expect(location.searchParams.get("utm_source"), qs).toBe("newsletter");
      expect(location.searchParams.get("utm_campaign"), qs).toBe("nov");
      expect(res.headers.get("location"), qs).not.toContain("evil");
    }
    const unknown = await call(`/l/nosuch?url=${evil}`, { redirect: "manual" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("location")).toBeNull();
  });
});

describe("CSV export cannot start a spreadsheet formula", () => {
  it("neutralises cells starting with = + - @ (and tab or CR) and keeps their text", async () => {
    // A day no rollup marked (today was rolled above): these atoms are released in the Worker.
    const day = "2026-01-15";
    const hostile = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "=1,2", "safe"];
    await env.DB.batch(
      hostile.map((campaign, i) =>
        env.DB.prepare(
          `INSERT INTO atoms (site, day, source, medium, campaign, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency)
           VALUES ('matrix-a', ?, ?, ?, ?, '(macro)', 'last_click', 0, 20, 2, 2, 19.8, '{"USD":19.8}')`,
        ).bind(day, i % 2 ? "=source" : "@source", i % 3 ? "+medium" : "-medium", campaign),
      ),
    );
    for (const group of ["campaign", "source", "medium", "day"]) {
      const res = await call(`/v1/stats?site=matrix-a&from=${day}&to=${day}&group=${group}&format=csv`, { headers: headers("a_read") });
      expect(res.status, group).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      const rows = parseCsv(await res.text());
      const dangerous = rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell) && !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(cell));
      expect(dangerous, group).toEqual([]);
      if (group === "campaign") {
        // Neutralised, not dropped: the text is still there.
        for (const needle of ["HYPERLINK", "calc", "2+3", "SUM(A1:A9)", "safe"]) expect(rows.flat().some((cell) => cell.includes(needle)), needle).toBe(true);
      }
    }
  });
});
