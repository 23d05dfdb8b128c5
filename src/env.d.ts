// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; both Env views get them.
interface EdgetallySecrets {
  /** Admin bearer token: `wrangler secret put ADMIN_TOKEN`, or `.dev.vars` / `--var` locally. */
  ADMIN_TOKEN: string;
}
interface Env extends EdgetallySecrets {}
declare namespace Cloudflare {
  interface Env extends EdgetallySecrets {}
}
