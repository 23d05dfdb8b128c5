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
    expect(r.url).toBe(`https://meta.test/v22.0/${PIXEL}/events`);
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
    const fake = fakePlatforms([{ status: 200, body: { results: [{}, { gclid: "x" }], partialFailureError: { code: 3, message: "Some conversions failed", details: [{ "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure", errors: [{ errorCode: { conversionUploadError: "UNPARSEABLE_GCLID" }, message: "The gclid could not be decoded.", location: { fieldPathElements: [{ fieldName: "conversions", index: 0 }, { fieldName: "gclid" }] } }] }] } } }]);
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
