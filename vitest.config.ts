import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Every test runs inside workerd (miniflare), with the bindings of wrangler.toml and a fresh,
// migrated D1 per test file. Browser tests live in test/browser and run separately (npm run test:browser).
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef-0123",
            // No network in tests: the cron's rate fetch is off unless a test sets FX_URL (test/fx).
            FX_URL: "",
            // Forwarding (test/forward): a fixed test key, and the platforms at fake hosts (fetch is stubbed there).
            DESTINATIONS_KEY: "dGVzdC1kZXN0aW5hdGlvbnMta2V5LTMyLWJ5dGVzISE=",
            META_API_URL: "https://meta.test",
            GOOGLE_ADS_API_URL: "https://googleads.test",
            GOOGLE_OAUTH_URL: "https://oauth.test",
            TIKTOK_API_URL: "https://tiktok.test",
            LINKEDIN_API_URL: "https://linkedin.test",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/browser/**", "node_modules/**"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      testTimeout: 30_000,
    },
  };
});
