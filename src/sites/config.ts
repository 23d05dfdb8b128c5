import { invalid } from "../http/errors";
import { isObject } from "../http/body";
import { isTimeZone } from "../time/day";
import { isCurrency } from "./currency";
import { isDomain, normalizeDomain } from "./domains";
import { COLLECT_TIERS, DEFAULT_LIMITS, TOUCHES_PER_DAY_MAX, type SiteLimits } from "./limits";

/** A conversion goal. Events whose name is a goal are conversions. */
export interface Goal {
  name: string;
  tier: "macro" | "micro";
  /** Default value (major units) for conversions sent without one. */
  value: number | null;
  /** Currency of the default value; null means the site's currency. */
  currency: string | null;
}

export interface Funnel {
  name: string;
  steps: string[];
}

/** Everything a site's owner configures (the contract's "Sites" body, with defaults applied). */
export interface SiteConfig {
  id: string;
  domains: string[];
  timezone: string;
  currency: string;
  privacy: { k: number; epsilon: number | null; final_only: boolean };
  attribution: { click_window_days: number; view_window_days: number };
  goals: Goal[];
  funnels: Funnel[];
  /** Collection options (README "Collection options"). */
  collect: {
    /** Apply the COLLECT_LIMITER per-IP limit to /p.gif and /e (off by default: shared IPs). */
    rate_limit: boolean;
    /** Drop browser hits that carry `Sec-GPC: 1` or `DNT: 1` (on by default). */
    honor_gpc: boolean;
  };
  /** Safety limits (v1.1); read them through sites/limits.ts siteLimits (stored sites may lack them). */
  limits?: SiteLimits;
}

export const DEFAULTS = {
  timezone: "UTC",
  currency: "USD",
  privacy: { k: 10, epsilon: null, final_only: false },
  attribution: { click_window_days: 30, view_window_days: 1 },
  collect: { rate_limit: false, honor_gpc: true },
  limits: DEFAULT_LIMITS,
} as const;

export const NAME_MAX = 64;
const ID_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const TOP_KEYS = new Set(["id", "domains", "timezone", "currency", "privacy", "attribution", "goals", "funnels", "collect", "limits"]);

/** Validates a create body and applies the defaults. Throws a 422 HttpError naming the field. */
export function parseNewSite(body: unknown): SiteConfig {
  if (!isObject(body)) throw invalid("invalid_body", "Send the site as a JSON object.");
  if (body.id === undefined) throw invalid("required", "`id` is required.", "id");
  if (body.domains === undefined) throw invalid("required", "`domains` is required.", "domains");
  const base: SiteConfig = {
    id: parseId(body.id),
    domains: [],
    timezone: DEFAULTS.timezone,
    currency: DEFAULTS.currency,
    privacy: { ...DEFAULTS.privacy },
    attribution: { ...DEFAULTS.attribution },
    goals: [],
    funnels: [],
    collect: { ...DEFAULTS.collect },
    limits: { ...DEFAULTS.limits },
  };
  return applyPatch(base, body);
}

/** Validates a PATCH body against an existing site; nested objects merge, arrays replace. */
export function patchSite(current: SiteConfig, body: unknown): SiteConfig {
  if (!isObject(body)) throw invalid("invalid_body", "Send the changes as a JSON object.");
  if (body.id !== undefined && body.id !== current.id) {
    throw invalid("immutable", "A site's `id` cannot change; create a new site instead.", "id");
  }
  return applyPatch(structuredClone(current), body);
}

function applyPatch(site: SiteConfig, body: Record<string, unknown>): SiteConfig {
  for (const key of Object.keys(body)) {
    if (!TOP_KEYS.has(key)) throw invalid("unknown_field", `Unknown field \`${key}\`.`, key);
  }
  if (body.domains !== undefined) site.domains = parseDomains(body.domains);
  if (body.timezone !== undefined) site.timezone = parseTimezone(body.timezone);
  if (body.currency !== undefined) site.currency = parseCurrency(body.currency, "currency");
  if (body.privacy !== undefined) site.privacy = parsePrivacy(body.privacy, site.privacy);
  if (body.attribution !== undefined) site.attribution = parseAttribution(body.attribution, site.attribution);
  if (body.collect !== undefined) site.collect = parseCollect(body.collect, site.collect);
  if (body.limits !== undefined) site.limits = parseLimits(body.limits, site.limits ?? DEFAULTS.limits);
  if (body.goals !== undefined) site.goals = parseGoals(body.goals);
  if (body.funnels !== undefined) site.funnels = parseFunnels(body.funnels);
  // A goal removed by PATCH must not leave a funnel pointing at it.
  if (body.goals !== undefined || body.funnels !== undefined) checkFunnelSteps(site.funnels, site.goals);
  return site;
}

function parseId(v: unknown): string {
  if (typeof v !== "string" || !ID_RE.test(v)) {
    throw invalid("invalid_id", "`id` must be 1–63 characters of a–z, 0–9, '-' or '_', starting with a letter or digit.", "id");
  }
  return v;
}

function parseDomains(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw invalid("invalid_domains", "`domains` must be a non-empty array of host names.", "domains");
  if (v.length > 50) throw invalid("too_many", "A site has at most 50 domains.", "domains");
  const out: string[] = [];
  v.forEach((d, i) => {
    const n = typeof d === "string" ? normalizeDomain(d) : "";
    if (!isDomain(n)) {
      throw invalid("invalid_domain", "Each domain is a host name such as shop.example (no scheme, path or port), localhost or an IP address.", `domains.${i}`);
    }
    if (!out.includes(n)) out.push(n);
  });
  return out;
}

function parseTimezone(v: unknown): string {
  if (typeof v !== "string" || !isTimeZone(v)) throw invalid("invalid_timezone", "`timezone` must be an IANA time zone such as Europe/Berlin.", "timezone");
  return v;
}

export function parseCurrency(v: unknown, field: string): string {
  if (typeof v !== "string" || !isCurrency(v)) throw invalid("invalid_currency", "The currency must be an ISO-4217 code such as EUR.", field);
  return v;
}

function int(v: unknown, min: number, max: number, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw invalid("out_of_range", `\`${field}\` must be a whole number from ${min} to ${max}.`, field);
  }
  return v;
}

function onlyKeys(o: Record<string, unknown>, keys: string[], prefix: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid("unknown_field", `Unknown field \`${prefix}.${k}\`.`, `${prefix}.${k}`);
}

function parsePrivacy(v: unknown, cur: SiteConfig["privacy"]): SiteConfig["privacy"] {
  if (!isObject(v)) throw invalid("invalid_privacy", "`privacy` must be an object.", "privacy");
  onlyKeys(v, ["k", "epsilon", "final_only"], "privacy");
  const out = { ...cur };
  if (v.k !== undefined) out.k = int(v.k, 1, 10_000, "privacy.k");
  if (v.epsilon !== undefined) {
    if (v.epsilon !== null && (typeof v.epsilon !== "number" || !Number.isFinite(v.epsilon) || v.epsilon <= 0 || v.epsilon > 20)) {
      throw invalid("out_of_range", "`privacy.epsilon` must be null or a number above 0 and at most 20.", "privacy.epsilon");
    }
    out.epsilon = v.epsilon as number | null;
  }
  if (v.final_only !== undefined) {
    if (typeof v.final_only !== "boolean") throw invalid("invalid_type", "`privacy.final_only` must be true or false.", "privacy.final_only");
    out.final_only = v.final_only;
  }
  return out;
}

function parseAttribution(v: unknown, cur: SiteConfig["attribution"]): SiteConfig["attribution"] {
  if (!isObject(v)) throw invalid("invalid_attribution", "`attribution` must be an object.", "attribution");
  onlyKeys(v, ["click_window_days", "view_window_days"], "attribution");
  const out = { ...cur };
  if (v.click_window_days !== undefined) out.click_window_days = int(v.click_window_days, 1, 90, "attribution.click_window_days");
  if (v.view_window_days !== undefined) out.view_window_days = int(v.view_window_days, 0, 30, "attribution.view_window_days");
  return out;
}

function parseCollect(v: unknown, cur: SiteConfig["collect"]): SiteConfig["collect"] {
  if (!isObject(v)) throw invalid("invalid_collect", "`collect` must be an object.", "collect");
  onlyKeys(v, ["rate_limit", "honor_gpc"], "collect");
  const out = { ...cur };
  for (const k of ["rate_limit", "honor_gpc"] as const) {
    if (v[k] === undefined) continue;
    if (typeof v[k] !== "boolean") throw invalid("invalid_type", `\`collect.${k}\` must be true or false.`, `collect.${k}`);
    out[k] = v[k];
  }
  return out;
}

function parseLimits(v: unknown, cur: SiteLimits): SiteLimits {
  if (!isObject(v)) throw invalid("invalid_limits", "`limits` must be an object.", "limits");
  onlyKeys(v, ["touches_per_day", "collect_per_minute"], "limits");
  const out = { ...DEFAULTS.limits, ...cur };
  if (v.touches_per_day !== undefined) out.touches_per_day = int(v.touches_per_day, 1, TOUCHES_PER_DAY_MAX, "limits.touches_per_day");
  const maxRate = COLLECT_TIERS[COLLECT_TIERS.length - 1]!;
  if (v.collect_per_minute !== undefined) out.collect_per_minute = int(v.collect_per_minute, 0, maxRate, "limits.collect_per_minute");
  return out;
}

/** A goal or event name: 1–64 printable characters. */
export function isEventName(v: unknown): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= NAME_MAX && v.trim() === v && !/[\u0000-\u001f\u007f]/.test(v);
}

function parseGoals(v: unknown): Goal[] {
  if (!Array.isArray(v)) throw invalid("invalid_goals", "`goals` must be an array.", "goals");
  if (v.length > 50) throw invalid("too_many", "A site has at most 50 goals.", "goals");
  const names = new Set<string>();
  return v.map((g, i) => {
    const f = `goals.${i}`;
    if (!isObject(g)) throw invalid("invalid_goal", "Each goal is an object with a `name`.", f);
    onlyKeys(g, ["name", "tier", "value", "currency"], f);
    if (!isEventName(g.name)) throw invalid("invalid_name", `A goal name is 1–${NAME_MAX} characters without surrounding spaces.`, `${f}.name`);
    if (g.name === "pageview") throw invalid("reserved_name", "`pageview` is not a goal; pick another name.", `${f}.name`);
    if (names.has(g.name)) throw invalid("duplicate_goal", `The goal \`${g.name}\` appears twice.`, `${f}.name`);
    names.add(g.name);
    const tier = g.tier ?? "macro";
    if (tier !== "macro" && tier !== "micro") throw invalid("invalid_tier", "A goal's `tier` is `macro` or `micro`.", `${f}.tier`);
    let value: number | null = null;
    if (g.value !== undefined && g.value !== null) {
      if (typeof g.value !== "number" || !Number.isFinite(g.value) || g.value < 0) {
        throw invalid("invalid_value", "A goal's `value` is a finite number of at least 0.", `${f}.value`);
      }
      value = g.value;
    }
    const currency = g.currency === undefined || g.currency === null ? null : parseCurrency(g.currency, `${f}.currency`);
    return { name: g.name, tier, value, currency };
  });
}

function parseFunnels(v: unknown): Funnel[] {
  if (!Array.isArray(v)) throw invalid("invalid_funnels", "`funnels` must be an array.", "funnels");
  if (v.length > 20) throw invalid("too_many", "A site has at most 20 funnels.", "funnels");
  const names = new Set<string>();
  return v.map((fu, i) => {
    const f = `funnels.${i}`;
    if (!isObject(fu)) throw invalid("invalid_funnel", "Each funnel is an object with `name` and `steps`.", f);
    onlyKeys(fu, ["name", "steps"], f);
    if (!isEventName(fu.name)) throw invalid("invalid_name", `A funnel name is 1–${NAME_MAX} characters.`, `${f}.name`);
    if (names.has(fu.name)) throw invalid("duplicate_funnel", `The funnel \`${fu.name}\` appears twice.`, `${f}.name`);
    names.add(fu.name);
    if (!Array.isArray(fu.steps) || fu.steps.length < 2 || fu.steps.length > 10 || !fu.steps.every(isEventName)) {
      throw invalid("invalid_steps", "A funnel has 2–10 steps, each `pageview` or a goal name.", `${f}.steps`);
    }
    return { name: fu.name, steps: [...fu.steps] };
  });
}

function checkFunnelSteps(funnels: Funnel[], goals: Goal[]): void {
  const known = new Set(["pageview", ...goals.map((g) => g.name)]);
  funnels.forEach((fu, i) =>
    fu.steps.forEach((s, j) => {
      if (!known.has(s)) throw invalid("unknown_step", `Funnel step \`${s}\` is neither \`pageview\` nor a goal of this site.`, `funnels.${i}.steps.${j}`);
    }),
  );
}

/** The goal named `name`, if any. */
export function goalOf(site: SiteConfig, name: string): Goal | undefined {
  return site.goals.find((g) => g.name === name);
}
