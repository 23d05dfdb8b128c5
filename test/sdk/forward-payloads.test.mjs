// The forwarding payloads checked against the platforms' own SDKs (node:test, outside workerd: the
// SDKs need Node and are dev dependencies only — the Worker never bundles them). Run by
// `npm run test:sdk` and .ci/run. docs/FORWARDING.md "Checked against the SDKs".
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { build } from "esbuild";

const require = createRequire(import.meta.url);

/** Bundles one src/forward file (TypeScript) and imports it. */
async function load(file) {
  const out = await build({ entryPoints: [new URL(`../../src/forward/${file}`, import.meta.url).pathname], bundle: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
}

const EMAILS = ["John.Smith@Example.com", "  jane.doe+news@gmail.com ", "Elodie.Martin@Exemple.FR", "a.b.c@googlemail.com"];
const PHONES = ["+1 (650) 555-1212", "+44 20 7946 0958", "0049 30 1234 5678", "16505551212"];

describe("Meta: facebook-nodejs-business-sdk", () => {
  const { ServerSideUtils, ServerEvent, UserData, CustomData } = require("facebook-nodejs-business-sdk");

  it("hashes em, ph and external_id as ServerSideUtils.normalizeAndHash does", async () => {
    const { meta } = await load("meta.ts");
    for (const email of EMAILS) assert.equal((await meta.hashUser({ email })).email, ServerSideUtils.normalizeAndHash(email, "em"), email);
    for (const phone of PHONES) assert.equal((await meta.hashUser({ phone })).phone, ServerSideUtils.normalizeAndHash(phone, "ph"), phone);
    for (const id of ["Cust-42", " abc "]) assert.equal((await meta.hashUser({ external_id: id })).external_id, ServerSideUtils.normalizeAndHash(id, "external_id"), id);
    // An already-hashed value passes unchanged, as in the SDK.
    const h = "a".repeat(64);
    assert.equal((await meta.hashUser({ email: h })).email, ServerSideUtils.normalizeAndHash(h, "em"));
  });

  it("builds the same data entry as the SDK's ServerEvent.normalize()", async () => {
    const { meta, metaEvent, META_API_VERSION } = await load("meta.ts");
    assert.equal(META_API_VERSION, require("facebook-nodejs-business-sdk").FacebookAdsApi.VERSION, "the Graph API version is the SDK's");
    const raw = { email: "John.Smith@Example.com", phone: "+1 (650) 555-1212", external_id: "Cust-42" };
    const e = {
      event_id: "order-1", goal: "purchase", name: "Purchase", time: 1795900000, value: 49.9, currency: "EUR", url: "https://shop.example/thanks", touch: null,
      ip: "203.0.113.9", user_agent: "Mozilla/5.0", user: await meta.hashUser(raw), click_ids: { fbclid: "IwAR-1", fbp: "fb.1.1596403881668.1116446470" },
    };
    const ours = metaEvent(e);
    const user = new UserData()
      .setEmails([raw.email]).setPhones([raw.phone]).setExternalIds([ServerSideUtils.normalizeAndHash(raw.external_id, "external_id")])
      .setClientIpAddress(e.ip).setClientUserAgent(e.user_agent).setFbc(`fb.1.${e.time * 1000}.IwAR-1`).setFbp(e.click_ids.fbp);
    const sdk = new ServerEvent()
      .setEventName("Purchase").setEventTime(e.time).setEventId("order-1").setActionSource("website").setEventSourceUrl(e.url)
      .setUserData(user).setCustomData(new CustomData().setValue(49.9).setCurrency("eur"))
      .normalize();
    assert.deepEqual(ours, JSON.parse(JSON.stringify(sdk)));
  });
});

describe("Google Ads: google-ads-api (its google-ads-node protos)", () => {
  const { google } = require("google-ads-node/build/protos/protos.js");
  const [version] = Object.keys(google.ads.googleads);
  const Request = google.ads.googleads[version].services.UploadClickConversionsRequest;

  it("the request body survives the SDK's UploadClickConversionsRequest unchanged (every field known, every type right)", async () => {
    const { googleAds, clickConversion, GOOGLE_ADS_API_VERSION } = await load("google-ads.ts");
    assert.equal(GOOGLE_ADS_API_VERSION, version, "the API version is the SDK's");
    const user = await googleAds.hashUser({ email: "Jane.Doe@gmail.com", phone: "+1 650-555-1212" });
    const body = {
      conversions: [clickConversion({ event_id: "g-1", goal: "purchase", name: "987654", time: 1795900000, value: 80, currency: "USD", url: null, touch: null, ip: null, user_agent: null, user, click_ids: { gclid: "Cj0KCQ" } }, "1234567890")],
      partialFailure: true,
    };
    // REST JSON is the proto fields in lowerCamelCase (proto3 JSON mapping); the SDK's protos keep snake_case.
    const snake = (x) => (Array.isArray(x) ? x.map(snake) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(v)])) : x);
    const proto = snake(body);
    assert.equal(Request.verify(proto), null);
    // Unknown fields would be dropped by fromObject: the round trip proves every field is the API's.
    const round = Request.toObject(Request.fromObject(proto), { defaults: false, longs: Number });
    assert.deepEqual(round, proto);
  });

  it("hashes e-mails by Google's rules (gmail dots removed) and phones as E.164", async () => {
    const { googleAds } = await load("google-ads.ts");
    const { createHash } = await import("node:crypto");
    const sha = (s) => createHash("sha256").update(s).digest("hex");
    assert.equal((await googleAds.hashUser({ email: " Jane.Doe@GMail.com" })).email, sha("janedoe@gmail.com"));
    assert.equal((await googleAds.hashUser({ email: "jane.doe@example.com" })).email, sha("jane.doe@example.com"));
    assert.equal((await googleAds.hashUser({ phone: "+1 (650) 555-1212" })).phone, sha("+16505551212"));
  });

  it("sends the ServerEvent's consent as ClickConversion.consent (adUserData, a ConsentStatus the SDK knows); ad_personalization is not a click conversion's field", async () => {
    const { clickConversion } = await load("google-ads.ts");
    const e = (consent) => ({ event_id: "g-2", goal: "purchase", name: "987654", time: 1795900000, value: 80, currency: "USD", url: null, touch: null, ip: null, user_agent: null, user: {}, click_ids: { gbraid: "GB-1" }, ...(consent ? { consent } : {}) });
    const granted = clickConversion(e({ ad_user_data: true, ad_personalization: false }), "1234567890");
    assert.deepEqual(granted.consent, { adUserData: "GRANTED" });
    assert.deepEqual(clickConversion(e({ ad_user_data: false }), "1234567890").consent, { adUserData: "DENIED" });
    assert.equal(clickConversion(e({ ad_personalization: true }), "1234567890").consent, undefined);
    assert.equal(clickConversion(e(null), "1234567890").consent, undefined);
    const snake = (x) => (Array.isArray(x) ? x.map(snake) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(v)])) : x);
    const proto = snake({ conversions: [granted], partialFailure: true });
    // Enum names become their numbers in fromObject; an unknown name would be refused by verify.
    const message = Request.fromObject(proto);
    assert.equal(Request.verify(message), null);
    const ConsentStatus = google.ads.googleads[version].enums.ConsentStatusEnum.ConsentStatus;
    assert.equal(message.conversions[0].consent.ad_user_data, ConsentStatus.GRANTED);
    assert.deepEqual(Request.toObject(message, { defaults: false, longs: Number, enums: String }), proto);
  });
});
