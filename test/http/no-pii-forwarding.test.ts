import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createSite, withJson } from "../helpers/http";
import { waitForEvents } from "../ingest/helpers";

// The v1.1 forwarding fields of a ServerEvent (CONTRACT.md: "used only to forward the conversion
// and never stored or logged"): accepted and validated, but none of their values reaches D1.
const EMAIL = "fwd.canary@mail.example";
const PHONE = "+49 170 5550123";
const EXTERNAL_ID = "crm-canary-7731";
const GCLID = "Cj0KCQcanaryGCLID7731";
const FBP = "fb.1.1700000000000.canary7731";
const FBC = "fb.1.1700000000000.IwARcanaryFBCLID";
const FORBIDDEN = [EMAIL, "fwd.canary", PHONE, "5550123", EXTERNAL_ID, GCLID, FBP, FBC, "canary7731", "ad_user_data", "ad_personalization"];

async function dumpEverything(): Promise<string> {
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
  const dumps: string[] = [];
  for (const { name } of results) {
    // Table names come from sqlite_master, not from input; identifiers cannot be bound.
    const rows = await env.DB.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all();
    dumps.push(`${name}: ${JSON.stringify(rows.results)}`);
  }
  return dumps.join("\n");
}

describe("v1.1 forwarding fields are never stored", () => {
  it("accepts user, click_ids and consent on /v1/events and writes none of them", async () => {
    const site = await createSite({ id: "pii-fwd", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const t = Math.floor(Date.now() / 1000) - 60;
    const res = await call(
      "/v1/events",
      withJson("POST", {
        events: [
          {
            name: "purchase", time: t, event_id: "order-fwd-1", value: 10, currency: "EUR",
            user: { email: EMAIL, phone: PHONE, external_id: EXTERNAL_ID },
            click_ids: { gclid: GCLID, fbp: FBP, fbc: FBC },
            consent: { ad_user_data: true, ad_personalization: true },
          },
          { name: "purchase", time: t, event_id: "order-fwd-2", user: { email: EMAIL }, consent: { ad_user_data: false, ad_personalization: false } },
        ],
      }, site.ingest_key),
    );
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const rows = await waitForEvents("pii-fwd", 2);
    expect(rows.map((r) => r.value).sort()).toEqual([10, null]);
    const text = await dumpEverything();
    for (const s of FORBIDDEN) expect(text, `found ${JSON.stringify(s)} in storage`).not.toContain(s);
  });

  it("rejects a malformed forwarding field like any other field, storing nothing of it", async () => {
    const site = await createSite({ id: "pii-fwd-bad", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const res = await call("/v1/events", withJson("POST", { events: [{ name: "purchase", user: { email: EMAIL, password: "hunter2" } }] }, site.ingest_key));
    expect(await res.json()).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [{ index: 0, error: { code: "unknown_field", message: "Unknown field `password`.", field: "events.0.user.password" } }],
    });
    const text = await dumpEverything();
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain("hunter2");
  });
});
