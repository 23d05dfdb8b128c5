import { describe, expect, it } from "vitest";
import { requestFor, runCommand, UsageError } from "../../scripts/lib/admin-cli.mjs";
import { ADMIN, call } from "../helpers/http";

/** The CLI talking to the real Worker (its fetch handler), as it would to a deployed URL. */
const worker = (url: string, init: RequestInit) => call(new URL(url).pathname, init);
const env = { EDGETALLY_URL: "https://edge.test", ADMIN_TOKEN: ADMIN };

describe("npm run admin: command lines → admin requests", () => {
  it("builds a site from flags, --json as the base", () => {
    const req = requestFor([
      "site", "create", "shop", "--domain", "shop.example", "--domain=www.shop.example", "--currency", "EUR",
      "--k", "5", "--goal", "purchase", "--goal", "signup:micro", "--json", '{"timezone":"Europe/Berlin","privacy":{"epsilon":1}}',
    ]);
    expect(req).toEqual({
      method: "POST",
      path: "/v1/admin/sites",
      body: {
        id: "shop", domains: ["shop.example", "www.shop.example"], currency: "EUR", timezone: "Europe/Berlin",
        privacy: { epsilon: 1, k: 5 }, goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }],
      },
    });
  });

  it("maps every command to its endpoint", () => {
    expect(requestFor(["site", "get", "shop"])).toEqual({ method: "GET", path: "/v1/admin/sites/shop" });
    expect(requestFor(["site", "update", "a b", "--k", "20"])).toEqual({ method: "PATCH", path: "/v1/admin/sites/a%20b", body: { privacy: { k: 20 } } });
    expect(requestFor(["site", "delete", "shop", "--yes"])).toEqual({ method: "DELETE", path: "/v1/admin/sites/shop" });
    expect(requestFor(["keys", "rotate", "shop"])).toEqual({ method: "POST", path: "/v1/admin/sites/shop/keys" });
    expect(requestFor(["rollup", "--from", "2026-11-01", "--to", "2026-11-02", "--site", "shop"])).toEqual({
      method: "POST", path: "/v1/admin/rollup", body: { from: "2026-11-01", to: "2026-11-02", site: "shop" },
    });
  });

  it.each([
    [[], "no command given"],
    [["site", "create", "shop"], "at least one --domain"],
    [["site", "create", "--domain", "a.example"], "needs a site id"],
    [["site", "delete", "shop"], "--yes"],
    [["site", "update", "shop"], "something to change"],
    [["site", "get"], "needs a site id"],
    [["site", "create", "shop", "--domian", "x"], "unknown option --domian"],
    [["site", "create", "shop", "--domain"], "--domain needs a value"],
    [["site", "create", "shop", "--domain", "x", "--k", "ten"], "--k must be a whole number"],
    [["site", "create", "shop", "--domain", "x", "--json", "{"], "not valid JSON"],
    [["rollup", "--from", "2026-11-01"], "--from and --to"],
    [["sites", "list"], "unknown command: sites list"],
  ])("refuses %j", (argv, message) => {
    expect(() => requestFor(argv)).toThrow(UsageError);
    expect(() => requestFor(argv)).toThrow(message);
  });
});

describe("npm run admin against the Worker", () => {
  it("creates a site, reads it, rotates its keys and deletes it", async () => {
    const created = await runCommand(["site", "create", "cli-shop", "--domain", "cli.example", "--currency", "EUR", "--goal", "purchase"], env, worker);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "cli-shop", domains: ["cli.example"], currency: "EUR" });
    expect(created.body.ingest_key).toMatch(/^eti_/);

    const got = await runCommand(["site", "get", "cli-shop"], env, worker);
    expect(got).toMatchObject({ status: 200, body: { id: "cli-shop", goals: [{ name: "purchase" }] } });
    expect(got.body.ingest_key).toBeUndefined();

    const rotated = await runCommand(["keys", "rotate", "cli-shop"], env, worker);
    expect(rotated.status).toBe(200);
    expect(rotated.body.ingest_key).not.toBe(created.body.ingest_key);

    expect((await runCommand(["site", "delete", "cli-shop", "--yes"], env, worker)).status).toBe(204);
    expect((await runCommand(["site", "get", "cli-shop"], env, worker)).status).toBe(404);
  });

  it("passes the API's own errors through (one set of validation rules)", async () => {
    const res = await runCommand(["site", "create", "bad-tz", "--domain", "x.example", "--timezone", "Mars/Olympus"], env, worker);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: expect.any(String), field: "timezone" });
  });

  it("needs a URL and a token, and a wrong token is the API's 401/403", async () => {
    await expect(runCommand(["site", "get", "x"], {}, worker)).rejects.toThrow("--url");
    await expect(runCommand(["site", "get", "x"], { EDGETALLY_URL: "https://edge.test" }, worker)).rejects.toThrow("--token");
    const res = await runCommand(["site", "get", "x", "--token", "wrong-token-wrong-token-wrong-token"], env, worker);
    expect([401, 403]).toContain(res.status);
  });
});
