import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearSaltCache, importSalt, saltExpiry, saltKey, visitorFor, visitorHash } from "../../src/privacy/visitor";
import type { SiteConfig } from "../../src/sites/config";
import { randomToken } from "../../src/sites/keys";
import { dayEnd } from "../../src/time/day";

const site = (id: string, timezone = "UTC"): SiteConfig => ({
  id,
  domains: ["shop.example"],
  timezone,
  currency: "USD",
  privacy: { k: 10, epsilon: null, final_only: false },
  attribution: { click_window_days: 30, view_window_days: 1 },
  goals: [],
  funnels: [],
  collect: { rate_limit: false, honor_gpc: true },
});
const UA = "Mozilla/5.0 Test";
const saltsOf = (id: string) => env.DB.prepare("SELECT day, salt, expires_at FROM salts WHERE site = ? ORDER BY day").bind(id).all<{ day: string; salt: string; expires_at: number }>();

describe("visitorHash", () => {
  it("is 128 bits of base64url, stable for the same input, different for any other site, IP, UA or salt", async () => {
    const k1 = await importSalt(randomToken(32));
    const k2 = await importSalt(randomToken(32));
    const h = await visitorHash(k1, "shop", "203.0.113.9", UA);
    expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await visitorHash(k1, "shop", "203.0.113.9", UA)).toBe(h);
    const others = await Promise.all([
      visitorHash(k2, "shop", "203.0.113.9", UA),
      visitorHash(k1, "shop2", "203.0.113.9", UA),
      visitorHash(k1, "shop", "203.0.113.8", UA),
      visitorHash(k1, "shop", "203.0.113.9", UA + " "),
      // field boundaries cannot be shifted: ("a", "bc") ≠ ("ab", "c")
      visitorHash(k1, "shop", "203.0.113.9" + UA.slice(0, 1), UA.slice(1)),
    ]);
    for (const o of others) expect(o).not.toBe(h);
  });
});

describe("daily salts", () => {
  it("creates one salt for the site-local day, expiring 48 h after that day ends, and reuses it", async () => {
    const s = site("salt-a", "Pacific/Auckland");
    const now = Date.UTC(2026, 10, 28, 12); // 01:00 on the 29th in Auckland
    const a = await visitorFor(env.DB, s, now, "203.0.113.9", UA, now);
    clearSaltCache();
    const b = await visitorFor(env.DB, s, now + 1000, "203.0.113.9", UA, now + 1000);
    expect(a).not.toBeNull();
    expect(b).toBe(a);
    const { results } = await saltsOf("salt-a");
    expect(results).toHaveLength(1);
    expect(results[0]!.day).toBe("2026-11-29");
    expect(results[0]!.expires_at).toBe(dayEnd("2026-11-29", "Pacific/Auckland") + 48 * 3_600_000);
    expect(saltExpiry("2026-11-29", "Pacific/Auckland")).toBe(results[0]!.expires_at);
    expect(results[0]!.salt).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes
  });

  it("is race-safe: concurrent first hits from different isolates end with one salt and one hash", async () => {
    const s = site("salt-race");
    const now = Date.UTC(2026, 10, 28, 12);
    const hashes = await Promise.all(
      Array.from({ length: 8 }, async () => {
        clearSaltCache(); // each call behaves like a cold isolate
        return visitorFor(env.DB, s, now, "198.51.100.1", UA, now);
      }),
    );
    expect(new Set(hashes).size).toBe(1);
    expect((await saltsOf("salt-race")).results).toHaveLength(1);
  });

  it("never creates a salt for a past day: such an event has no visitor unless the salt still exists", async () => {
    const s = site("salt-past");
    const now = Date.UTC(2026, 10, 28, 12);
    expect(await visitorFor(env.DB, s, now - 86_400_000, "1.2.3.4", UA, now)).toBeNull();
    expect((await saltsOf("salt-past")).results).toHaveLength(0);
    // Yesterday's salt created yesterday is used today.
    clearSaltCache();
    const yesterday = await visitorFor(env.DB, s, now - 86_400_000, "1.2.3.4", UA, now - 86_400_000);
    clearSaltCache();
    expect(await visitorFor(env.DB, s, now - 86_400_000, "1.2.3.4", UA, now)).toBe(yesterday);
    // Another day, another salt: the same person is not linkable across days.
    expect(await visitorFor(env.DB, s, now, "1.2.3.4", UA, now)).not.toBe(yesterday);
  });

  it("treats a salt past its expiry as gone", async () => {
    const s = site("salt-exp");
    const now = Date.UTC(2026, 10, 28, 12);
    await visitorFor(env.DB, s, now, "1.2.3.4", UA, now);
    const later = saltExpiry("2026-11-28", "UTC") + 1;
    clearSaltCache();
    expect(await saltKey(env.DB, s, "2026-11-28", later)).toBeNull();
  });

  it("costs no D1 query when warm", async () => {
    const s = site("salt-warm");
    const now = Date.now();
    let queries = 0;
    const counting = new Proxy(env.DB, {
      get(target, prop, receiver) {
        if (prop === "prepare" || prop === "batch") queries++;
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    await visitorFor(counting, s, now, "1.2.3.4", UA, now);
    const cold = queries;
    for (let i = 0; i < 20; i++) await visitorFor(counting, s, now, `1.2.3.${i}`, UA, now);
    expect(cold).toBeGreaterThan(0);
    expect(queries).toBe(cold);
  });
});
