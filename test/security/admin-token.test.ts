import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { ADMIN_TOKEN_MIN } from "../../src/http/auth";

/** Calls the Worker with ADMIN_TOKEN set to `token` (the test binding holds a strong one). */
async function adminCall(token: string | undefined, bearer: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request("https://edge.test/v1/admin/sites/none", { headers: { authorization: `Bearer ${bearer}` } }),
    { ...env, ADMIN_TOKEN: token as string },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("ADMIN_TOKEN strength", () => {
  it("refuses a token shorter than 32 characters even when the caller sends it, and says how to set a strong one", async () => {
    for (const weak of ["secret", "x".repeat(ADMIN_TOKEN_MIN - 1)]) {
      const res = await adminCall(weak, weak);
      expect(res.status).toBe(503);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("admin_token_weak");
      expect(error.message).toContain("32 characters");
      expect(error.message).toContain("openssl rand -base64 32");
    }
  });

  it("answers 503 admin_disabled without a token", async () => {
    const res = await adminCall(undefined, "anything");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("admin_disabled");
  });

  it("accepts a token of exactly 32 characters", async () => {
    const strong = "s".repeat(ADMIN_TOKEN_MIN);
    const res = await adminCall(strong, strong);
    // Authenticated: the site simply does not exist.
    expect(res.status).toBe(404);
    const wrong = await adminCall(strong, "t".repeat(ADMIN_TOKEN_MIN));
    expect(wrong.status).toBe(403);
  });
});
