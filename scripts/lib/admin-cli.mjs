// The admin CLI's core (scripts/admin.mjs): words on the command line → one admin API request.
// No Node APIs here, so the test suite runs it inside workerd against the real Worker.

export const USAGE = `usage: npm run admin -- <command> [options]

commands
  site create <id> --domain D [--domain D2 …] [--currency EUR] [--timezone Europe/Berlin]
                   [--k 10] [--goal purchase] [--goal signup:micro] [--json '{…}']
  site get <id>
  site update <id> [the create options] [--json '{…}']
  site delete <id> --yes          erases every row of the site
  keys rotate <id>                new ingest and read keys (the old ones stop at once)
  rollup --from YYYY-MM-DD --to YYYY-MM-DD [--site ID]   (at most 31 days; longer: npm run rollup)

options
  --url URL        the deployed Worker (or EDGETALLY_URL), e.g. https://edge.shop.example
  --token TOKEN    the admin token (or ADMIN_TOKEN in the environment)`;

/** A mistake in the command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

const REPEATED = new Set(["domain", "goal"]);
const VALUED = new Set(["url", "token", "currency", "timezone", "k", "json", "from", "to", "site", ...REPEATED]);
const FLAGS = new Set(["yes", "help"]);

/** Splits argv into positional words and options (`--name value`, `--name=value`, `--flag`). */
export function parseWords(argv) {
  const words = [];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (FLAGS.has(name)) {
      opts[name] = true;
      continue;
    }
    if (!VALUED.has(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    if (REPEATED.has(name)) (opts[name] ??= []).push(value);
    else opts[name] = value;
  }
  return { words, opts };
}

/** The site body the create/update options describe; `--json` is the base, flags override it. */
function siteBody(opts) {
  let body = {};
  if (opts.json !== undefined) {
    try {
      body = JSON.parse(opts.json);
    } catch {
      throw new UsageError("--json is not valid JSON");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new UsageError("--json must be a JSON object");
  }
  if (opts.domain) body.domains = opts.domain;
  if (opts.currency) body.currency = opts.currency;
  if (opts.timezone) body.timezone = opts.timezone;
  if (opts.k !== undefined) {
    const k = Number(opts.k);
    if (!Number.isInteger(k)) throw new UsageError("--k must be a whole number");
    body.privacy = { ...body.privacy, k };
  }
  if (opts.goal) {
    body.goals = opts.goal.map((g) => {
      const [name, tier] = g.split(":");
      return tier ? { name, tier } : { name };
    });
  }
  return body;
}

function needId(words, what) {
  const id = words[2];
  if (!id) throw new UsageError(`${what} needs a site id`);
  return encodeURIComponent(id);
}

/**
 * The request a command line stands for: `{ method, path, body? }`. Validation of the site itself
 * is the API's (one set of rules); this only refuses command lines that cannot be a request.
 */
export function requestFor(argv) {
  const { words, opts } = parseWords(argv);
  const [noun, verb] = words;
  if (noun === "site" && verb === "create") {
    const body = siteBody(opts);
    if (words[2]) body.id = words[2];
    if (!body.id) throw new UsageError("site create needs a site id");
    if (!body.domains) throw new UsageError("site create needs at least one --domain");
    return { method: "POST", path: "/v1/admin/sites", body };
  }
  if (noun === "site" && verb === "get") return { method: "GET", path: `/v1/admin/sites/${needId(words, "site get")}` };
  if (noun === "site" && verb === "update") {
    const body = siteBody(opts);
    if (Object.keys(body).length === 0) throw new UsageError("site update needs something to change");
    return { method: "PATCH", path: `/v1/admin/sites/${needId(words, "site update")}`, body };
  }
  if (noun === "site" && verb === "delete") {
    const path = `/v1/admin/sites/${needId(words, "site delete")}`;
    if (!opts.yes) throw new UsageError("site delete erases every row of the site: add --yes to confirm");
    return { method: "DELETE", path };
  }
  if (noun === "keys" && verb === "rotate") return { method: "POST", path: `/v1/admin/sites/${needId(words, "keys rotate")}/keys` };
  if (noun === "rollup") {
    if (!opts.from || !opts.to) throw new UsageError("rollup needs --from and --to");
    const body = { from: opts.from, to: opts.to };
    if (opts.site) body.site = opts.site;
    return { method: "POST", path: "/v1/admin/rollup", body };
  }
  throw new UsageError(words.length ? `unknown command: ${words.join(" ")}` : "no command given");
}

/**
 * Runs one command line: `{ status, body }` of the API's answer. `env` supplies EDGETALLY_URL and
 * ADMIN_TOKEN when the options do not; `fetcher` is `fetch` (or the Worker itself, in tests).
 */
export async function runCommand(argv, env, fetcher) {
  const { opts } = parseWords(argv);
  const base = opts.url ?? env.EDGETALLY_URL;
  const token = opts.token ?? env.ADMIN_TOKEN;
  if (!base) throw new UsageError("pass --url (or set EDGETALLY_URL) to the deployed Worker");
  if (!token) throw new UsageError("pass --token (or set ADMIN_TOKEN)");
  const req = requestFor(argv);
  const res = await fetcher(new URL(req.path, base).toString(), {
    method: req.method,
    headers: { authorization: `Bearer ${token}`, ...(req.body ? { "content-type": "application/json" } : {}) },
    body: req.body ? JSON.stringify(req.body) : undefined,
  });
  const text = await res.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body };
}
