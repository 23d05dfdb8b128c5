import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { deliverJobs } from "../../src/forward/deliver";
import { clearTokens, conversionDateTime, normaliseEmail as googleEmail } from "../../src/forward/google-ads";
import { sha256Hex } from "../../src/forward/http";
import { fbcOf, normalisePhone as metaPhone } from "../../src/forward/meta";
import type { ForwardJob } from "../../src/forward/types";
import { router } from "../../src/router";
import { ADMIN, call, createSite, type CreatedSite } from "../helpers/http";
import { asJobs, captureQueue, fakePlatforms, GADS, messagesOf, META_TOKEN, PIXEL, type Answer } from "./fakes";

const IP = "198.51.100.23";
const UA = "Mozilla/5.0 (Macintosh) PlatformTest/2.0";
const meta = { id: "meta", type: "meta", pixel_id: PIXEL, access_token: META_TOKEN, test_event_code: "TEST555", events: { purchase: "Purchase", signup: "CompleteRegistration" } };
const gads = { id: "gads", type: "google_ads", ...GADS, login_customer_id: null, events: { purchase: "987654", signup: "customers/1234567890/conversionActions/111" } };

async function jobsOf(site: CreatedSite, events: unknown[]): Promise<ForwardJob[]> {
  const forward = captureQueue();
  const ctx = createExecutionContext();
  const req = new Request("https://edge.test/v1/events", { method: "POST", headers: { authorization: `Bearer ${site.ingest_key}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
  const res = await router.fetch(req, { ...env, FORWARD: forward }, ctx);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  return asJobs(forward.bodies);
}

async function deliver(jobs: readonly unknown[], answers: Answer[] = [], fake = fakePlatforms(answers)) {
  const m = messagesOf(jobs);
  await deliverJobs(env, m.messages, { fetch: fake.fetch });
  return { ...fake, ...m };
}

const now = () => Math.floor(Date.now() / 1000);
const status = async (site: string) =>
  ((await (await call(`/v1/admin/sites/${site}/destinations`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { destinations: Record<string, unknown>[] }).destinations;

beforeEach(() => clearTokens());

describe("Meta Conversions API", () => {
  it("sends the documented payload: hashed em/ph/external_id, fbc built from fbclid, IP and user agent, value, test code", async () => {
    const site = await createSite({ id: "pf-meta", domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup" }], destinations: [meta] });
    const t = now() - 120;
    const jobs = await jobsOf(site, [
      { name: "purchase", event_id: "m-1", time: t, url: "https://shop.example/thanks", value: 12.5, currency: "EUR", client: { ip: IP, user_agent: UA }, user: { email: "  John.Smith@Example.com ", phone: "+1 (650) 555-1212", external_id: "ABC-1" }, click_ids: { fbclid: "IwAR-abc", fbp: "fb.1.1596403881668.1116446470" } },
      { name: "signup", event_id: "m-2", time: t, user: { email: "a".repeat(0) + "7".repeat(64) } },
    ]);
    const d = await deliver(jobs);
    expect(d.requests).toHaveLength(1);
    const r = d.requests[0]!;
    expect(r.problems).toEqual([]);
    expect(r.url).toBe(`https://meta.test/v24.0/${PIXEL}/events`);
    const data = r.body.data as Record<string, unknown>[];
    expect(data[0]).toEqual({
      event_name: "Purchase", event_time: t, event_id: "m-1", action_source: "website", event_source_url: "https://shop.example/thanks",
      user_data: {
        em: [await sha256Hex("john.smith@example.com")], ph: [await sha256Hex("16505551212")], external_id: [await sha256Hex("abc-1")],
        client_ip_address: IP, client_user_agent: UA, fbc: fbcOf("IwAR-abc", t * 1000), fbp: "fb.1.1596403881668.1116446470",
      },
      custom_data: { value: 12.5, currency: "EUR" },
    });
    // An already-hashed value passes as is; without a user agent the event is not a "website" one.
    expect(data[1]).toMatchObject({ event_name: "CompleteRegistration", action_source: "other", user_data: { em: ["7".repeat(64)] } });
    expect(r.body.test_event_code).toBeUndefined();
    expect((await status("pf-meta"))[0]).toMatchObject({ delivered: 2 });
  });

  it("normalises phones as Meta says (digits, no leading zeros) and builds fbc as fb.1.<ms>.<fbclid>", async () => {
    expect(metaPhone("+49 (030) 1234-5678")).toBe("490301234" + "5678");
    expect(metaPhone("0044 20 7946 0958")).toBe("442079460958");
    expect(fbcOf("xyz", 1_700_000_000_123)).toBe("fb.1.1700000000123.xyz");
  });

  it("splits more than 1,000 events into requests of at most 1,000; a batch refused as a whole is retried event by event", async () => {
    const site = await createSite({ id: "pf-meta-batch", domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup" }], destinations: [meta] });
    const jobs: ForwardJob[] = [];
    for (let i = 0; i < 3; i++) jobs.push(...(await jobsOf(site, Array.from({ length: 500 }, (_, k) => ({ name: "purchase", event_id: `b-${i}-${k}`, client: { ip: IP, user_agent: UA }, url: "https://shop.example/t" })))));
    expect(jobs).toHaveLength(1500);
    const d = await deliver(jobs);
    expect(d.requests.map((r) => (r.body.data as unknown[]).length)).toEqual([1000, 500]);
    expect(d.requests.every((r) => r.problems.length === 0)).toBe(true);
    // One bad event (no customer information at all: Graph API refuses the whole request) among three: the other two still arrive.
    const three = await jobsOf(site, [1, 2, 3].map((k) => ({ name: "purchase", event_id: `s-${k}`, client: { ip: IP, user_agent: UA }, url: "https://shop.example/t" })));
    const bad = { ...three[1]!, event: { ...three[1]!.event, ip: null, user_agent: null } };
    const d2 = await deliver([three[0], bad, three[2]]);
    expect(d2.requests.map((r) => (r.body.data as unknown[]).length)).toEqual([3, 1, 1, 1]);
    expect(d2.acked.sort()).toEqual([0, 1, 2]);
    expect((await status("pf-meta-batch"))[0]).toMatchObject({ delivered: 1502, failed: 1, last_error: { status: 400, message: "user_data needs at least one customer information parameter" } });
  });
});

describe("Google Ads click conversions", () => {
  it("refreshes the OAuth token once and caches it, then uploads with partialFailure; a refused row fails alone", async () => {
    const site = await createSite({ id: "pf-gads", domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup" }], destinations: [gads] });
    const t = now() - 300;
    const jobs = await jobsOf(site, [
      { name: "purchase", event_id: "g-1", time: t, value: 80, currency: "USD", user: { email: "Jane.Doe@GoogleMail.com", phone: "+1 650-555-1212" }, click_ids: { gclid: "Cj0KCQ-gclid", gbraid: "0AAAA-gbraid" } },
      { name: "signup", event_id: "g-2", time: t, click_ids: { wbraid: "wb-1" } },
    ]);
    const fake = fakePlatforms([{ status: 200, body: { results: [{}, { gclid: "x" }], partialFailureError: { code: 3, message: "Some conversions failed", details: [{ "@type": "type.googleapis.com/google.ads.googleads.v24.errors.GoogleAdsFailure", errors: [{ errorCode: { conversionUploadError: "UNPARSEABLE_GCLID" }, message: "The gclid could not be decoded.", location: { fieldPathElements: [{ fieldName: "conversions", index: 0 }, { fieldName: "gclid" }] } }] }] } } }]);
    await deliver(jobs, [], fake);
    expect(fake.requests.map((r) => new URL(r.url).host)).toEqual(["oauth.test", "googleads.test"]);
    const up = fake.requests[1]!;
    expect(up.problems).toEqual([]);
    expect(up.headers).toMatchObject({ authorization: "Bearer ya29.test-1", "developer-token": GADS.developer_token });
    expect(up.headers["login-customer-id"]).toBeUndefined();
    const conv = (up.body.conversions as Record<string, unknown>[])[0]!;
    expect(conv).toEqual({
      gclid: "Cj0KCQ-gclid", conversionAction: "customers/1234567890/conversionActions/987654", conversionDateTime: conversionDateTime(t), conversionValue: 80, currencyCode: "USD", orderId: "g-1",
      userIdentifiers: [{ hashedEmail: await sha256Hex("janedoe@googlemail.com") }, { hashedPhoneNumber: await sha256Hex("+16505551212") }],
    });
    expect((up.body.conversions as Record<string, unknown>[])[1]).toMatchObject({ wbraid: "wb-1", conversionAction: "customers/1234567890/conversionActions/111" });
    expect((await status("pf-gads"))[0]).toMatchObject({ delivered: 1, failed: 1, last_error: { status: 400, message: "The gclid could not be decoded." } });
    // The next batch reuses the cached token: no second refresh.
    const more = await jobsOf(site, [{ name: "purchase", event_id: "g-3", click_ids: { gclid: "Cj0-3" } }]);
    await deliver(more, [], fake);
    expect(fake.requests.map((r) => new URL(r.url).host)).toEqual(["oauth.test", "googleads.test", "googleads.test"]);
    // A token revoked early: the 401 forgets it, refreshes once and the upload goes through.
    fake.revokeTokens();
    const last = await jobsOf(site, [{ name: "purchase", event_id: "g-4", click_ids: { gclid: "Cj0-4" } }]);
    const d = await deliver(last, [], fake);
    expect(fake.requests.slice(3).map((r) => new URL(r.url).host)).toEqual(["googleads.test", "oauth.test", "googleads.test"]);
    expect(d.acked).toEqual([0]);
    expect((await status("pf-gads"))[0]).toMatchObject({ delivered: 3, failed: 1 });
  });

  it("a refused refresh token fails the batch with Google's message", async () => {
    const site = await createSite({ id: "pf-gads-bad", domains: ["shop.example"], goals: [{ name: "purchase" }], destinations: [{ ...gads, refresh_token: "1//revoked-0000", events: { purchase: "987654" } }] });
    const jobs = await jobsOf(site, [{ name: "purchase", event_id: "gb-1", click_ids: { gclid: "x" } }]);
    const d = await deliver(jobs);
    expect(d.retried).toEqual([]);
    expect((await status("pf-gads-bad"))[0]).toMatchObject({ failed: 1, last_error: { status: 400, message: "OAuth token refresh: Bad Request" } });
  });

  it("normalises e-mails by Google's rules: dots of gmail.com and googlemail.com local parts removed, others kept", () => {
    expect(googleEmail(" Jane.Doe@Gmail.com ")).toBe("janedoe@gmail.com");
    expect(googleEmail("jane.doe@example.com")).toBe("jane.doe@example.com");
  });
});

describe("TikTok Events API 2.0", () => {
  const tt = { id: "tt", type: "tiktok", pixel_code: "C4ABCDEF1234567890", access_token: "tt-access-token-4321", test_event_code: "TEST4321", events: { purchase: "CompletePayment" } };
  it("sends web events with hashed email/phone/external_id, ttclid, IP and user agent; reads TikTok's code for the outcome", async () => {
    await createSite({ id: "pf-tt", domains: ["shop.example"], goals: [{ name: "purchase" }], destinations: [tt] }).then(async (site) => {
      const t = now() - 30;
      const jobs = await jobsOf(site, [{ name: "purchase", event_id: "t-1", time: t, url: "https://shop.example/done", value: 5, currency: "GBP", client: { ip: IP, user_agent: UA }, user: { email: " A@B.example ", phone: "+44 20 7946 0958", external_id: "U-9" }, click_ids: { ttclid: "E.C.P.ttclid-1" } }]);
      const d = await deliver(jobs);
      const r = d.requests[0]!;
      expect(r.problems).toEqual([]);
      expect(r.url).toBe("https://tiktok.test/open_api/v1.3/event/track/");
      expect(r.body).toEqual({
        event_source: "web", event_source_id: tt.pixel_code,
        data: [{ event: "CompletePayment", event_time: t, event_id: "t-1", user: { ttclid: "E.C.P.ttclid-1", email: await sha256Hex("a@b.example"), phone: await sha256Hex("+442079460958"), external_id: await sha256Hex("u-9"), ip: IP, user_agent: UA }, properties: { value: 5, currency: "GBP" }, page: { url: "https://shop.example/done" } }],
      });
      expect((await status("pf-tt"))[0]).toMatchObject({ delivered: 1 });
      // HTTP 200 with a rate-limit code is retried; with a refusal code it fails with TikTok's message.
      const more = await jobsOf(site, [{ name: "purchase", event_id: "t-2" }, { name: "purchase", event_id: "t-3", test: true }]);
      const busy = await deliver(more.filter((j) => j.test === null), [{ status: 200, body: { code: 40100, message: "Too many requests" } }]);
      expect(busy.retried).toHaveLength(1);
      const refused = await deliver(more.filter((j) => j.test === null), [{ status: 200, body: { code: 40002, message: "Invalid event_time" } }]);
      expect(refused.retried).toHaveLength(0);
      expect((await status("pf-tt"))[0]).toMatchObject({ failed: 1, last_error: { status: 200, message: "40002: Invalid event_time" } });
      const test = await deliver(more.filter((j) => j.test !== null));
      expect(test.requests[0]!.body.test_event_code).toBe("TEST4321");
    });
  });
});

describe("LinkedIn Conversions API", () => {
  const li = { id: "li", type: "linkedin", access_token: "AQV-linkedin-token-8765", events: { purchase: "4567" } };
  it("batch-creates conversions with SHA256_EMAIL and the li_fat_id; an element refused alone fails alone", async () => {
    const site = await createSite({ id: "pf-li", domains: ["shop.example"], goals: [{ name: "purchase" }], destinations: [li] });
    const t = now() - 10;
    const jobs = await jobsOf(site, [
      { name: "purchase", event_id: "l-1", time: t, value: 99.5, currency: "EUR", user: { email: "Pat@Example.org" }, click_ids: { li_fat_id: "li-fat-uuid-1" } },
      { name: "purchase", event_id: "l-2", time: t },
    ]);
    const d = await deliver(jobs);
    const r = d.requests[0]!;
    expect(r.problems).toEqual([]);
    expect(r.url).toBe("https://linkedin.test/rest/conversionEvents");
    expect((r.body.elements as unknown[])[0]).toEqual({
      conversion: "urn:lla:llaPartnerConversion:4567", conversionHappenedAt: t * 1000, conversionValue: { currencyCode: "EUR", amount: "99.5" }, eventId: "l-1",
      user: { userIds: [{ idType: "SHA256_EMAIL", idValue: await sha256Hex("pat@example.org") }, { idType: "LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID", idValue: "li-fat-uuid-1" }] },
    });
    expect((await status("pf-li"))[0]).toMatchObject({ delivered: 1, failed: 1, last_error: { status: 400, message: "At least one user id is required." } });
  });
});
