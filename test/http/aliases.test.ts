import { describe, expect, it } from "vitest";
import { canonicalName, type SiteConfig } from "../../src/sites/config";
import { call, createSite, withJson } from "../helpers/http";
import { BROWSER_UA, waitForEvents } from "../ingest/helpers";

// Site `aliases` (CONTRACT.md v1.1): other tools' event names become the site's own on every collection path.
const browser = { "user-agent": BROWSER_UA, "cf-connecting-ip": "198.51.100.40" };
const SITE = { domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }], aliases: { "Order Completed": "purchase", "Page Viewed": "pageview" } };

describe("canonicalName", () => {
  const site = { aliases: { "Order Completed": "purchase" } } as unknown as SiteConfig;
  it("maps an alias to its target and leaves other names alone, own keys only", () => {
    expect(canonicalName(site, "Order Completed")).toBe("purchase");
    expect(canonicalName(site, "purchase")).toBe("purchase");
    expect(canonicalName(site, "order completed")).toBe("order completed");
    expect(canonicalName(site, "constructor")).toBe("constructor");
    expect(canonicalName({} as SiteConfig, "Order Completed")).toBe("Order Completed");
  });
});

describe("aliases on every collection path", () => {
  it("pixel, beacon and server store the goal an alias names; an alias to pageview is a pageview", async () => {
    const s = await createSite({ id: "al1", ...SITE });
    await call(`/p.gif?s=al1&n=${encodeURIComponent("Order Completed")}&v=5&u=https://shop.example/p`, { headers: browser });
    const beacon = await call("/e", {
      method: "POST",
      body: JSON.stringify([{ s: "al1", n: "Order Completed", v: 6, u: "https://shop.example/b" }, { s: "al1", n: "Page Viewed", u: "https://shop.example/v" }]),
      headers: { ...browser, "content-type": "text/plain", origin: "https://shop.example" },
    });
    expect(await beacon.json()).toEqual({ accepted: 2, dropped: 0 });
    const server = await call("/v1/events", withJson("POST", { events: [{ name: "Order Completed", value: 7 }, { name: "Order Cancelled" }] }, s.ingest_key));
    const answer = (await server.json()) as { accepted: number; rejected: { index: number; error: { code: string } }[] };
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => [r.index, r.error.code])).toEqual([[1, "unknown_event"]]);
    const rows = await waitForEvents("al1", 4);
    expect(rows.map((r) => [r.via, r.name, r.value]).sort()).toEqual(
      [
        ["beacon", "pageview", null],
        ["beacon", "purchase", 6],
        ["pixel", "purchase", 5],
        ["server", "purchase", 7],
      ].sort(),
    );
  });

  it("the validation report shows the site's name for an alias", async () => {
    await createSite({ id: "al2", ...SITE });
    const res = await call(`/p.gif?s=al2&n=${encodeURIComponent("Order Completed")}&debug=1`, { headers: browser });
    const report = (await res.json()) as { ok: boolean; event: { name: string } };
    expect(report.ok).toBe(true);
    expect(report.event.name).toBe("purchase");
  });
});
