// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; both Env views get them.
interface EdgetallySecrets {
  /** Admin bearer token: `wrangler secret put ADMIN_TOKEN`, or `.dev.vars` / `--var` locally. */
  ADMIN_TOKEN: string;
  /** Optional: queries one rollup run may use (set by `npm run deploy:free`; default 950). */
  ROLLUP_QUERY_BUDGET?: string;
  /** Encrypts destinations' credentials (docs/FORWARDING.md): 32 random bytes, base64 (`openssl rand -base64 32`). */
  DESTINATIONS_KEY?: string;
}
interface Env extends EdgetallySecrets {}
declare namespace Cloudflare {
  interface Env extends EdgetallySecrets {}
}
