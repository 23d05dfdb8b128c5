import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createSite, errorOf } from "../helpers/http";
import { BOT_UA, BROWSER_UA, eventsOf, IPHONE_UA, waitForEvents } from "../ingest/helpers";

const browser = (extra: Record<string, string> = {}) => ({ headers: { "user-agent": BROWSER_UA, "cf-connecting-ip": "198.51.100.7", ...extra } });

describe("GET /p.gif", () => {
  it("answers the GIF and stores the pageview through the queue", async () => {
    await createSite({ id: "px1", domains: ["shop.example"], timezone: "Europe/Berlin" });
    const u = encodeURIComponent("https://shop.example/spring?utm_source=Instagram&utm_medium=Social&utm_campaign=Spring");
    const res = await call(`/p.gif?s=px1&u=${u}`, browser({ referer: "https://shop.example/spring" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/gif");
    expect(res.headers.get("cache-control")).toContain("no-store");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(String.fromCharCode(...bytes.slice(0, 6))).toBe("GIF89a");
    const [row] = await waitForEvents("px1", 1);
    expect(row).toMatchObject({ name: "pageview", via: "pixel", touch_kind: "landing", source: "instagram", medium: "social", campaign: "Spring", device: "desktop" });
    expect(row!.visitor).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(row!.msg_id).toBeTruthy();
  });
});
