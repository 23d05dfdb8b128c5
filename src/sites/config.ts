import type * as v from "valibot";
import { invalid } from "../http/errors";
import { parseOrThrow } from "../schemas/issues";
import { DEFAULT_LIMITS, siteLimits } from "./limits";
import {
  type Attribution,
  type Collect,
  type Funnel,
  type Goal,
  type Limits,
  type Period,
  SiteCreate,
  SitePatch,
  type SitePatchInput,
} from "../schemas/site";
import type { Destination } from "../schemas/destinations";

export { isEventName, NAME_MAX } from "../schemas/fields";
export type { Funnel, Goal, Limits, Period } from "../schemas/site";

/**
 * A site's configuration: the contract's "Sites" body with defaults applied, as stored (JSON in
 * `sites.config`, src/db/sites.ts). Shapes come from src/schemas/site.ts; this module applies the
 * defaults, merges a PATCH and checks what spans fields.
 */
export interface SiteConfig {
  id: string;
  domains: string[];
  timezone: string;
  currency: string;
  /** `period` (v1.1) is missing from sites stored before it: read it with `periodOf`. */
  privacy: { k: number; epsilon: number | null; final_only: boolean; period?: Period };
  attribution: Required<v.InferOutput<typeof Attribution>>;
  goals: Goal[];
  funnels: Funnel[];
  /** Collection options (README "Collection options"). */
  collect: Required<v.InferOutput<typeof Collect>>;
  /** v1.1; missing from sites stored before it: read with `limitsOf`. */
  limits?: Limits;
  /** v1.1 other tools' event names → this site's (`pageview` or a goal); missing: none. */
  aliases?: Record<string, string>;
  /** v1.1 where conversions are forwarded (secrets sealed: src/forward/secrets.ts); missing: none. */
  destinations?: Destination[];
}

export const DEFAULTS = {
  timezone: "UTC",
  currency: "USD",
  privacy: { k: 10, epsilon: null, final_only: false, period: "auto" },
  attribution: { click_window_days: 30, view_window_days: 1 },
  collect: { rate_limit: false, honor_gpc: true },
  limits: DEFAULT_LIMITS,
} as const;

/** The site's limits, defaults filled in (0 in `collect_per_minute` disables that limit). */
export function limitsOf(site: SiteConfig): Limits {
  return siteLimits(site);
}

/** The site's small-volume period (CONTRACT.md v1.1): "auto" unless set. */
export function periodOf(site: SiteConfig): Period {
  return site.privacy.period ?? DEFAULTS.privacy.period;
}

/** A stored configuration with every v1.1 default filled in, as GET shows it. */
export function withDefaults(site: SiteConfig): SiteConfig {
  return { ...site, privacy: { ...site.privacy, period: periodOf(site) }, limits: limitsOf(site), aliases: site.aliases ?? {}, destinations: site.destinations ?? [] };
}

/** Validates a create body and applies the defaults. Throws a 422 HttpError naming the field. */
export function parseNewSite(body: unknown): SiteConfig {
  const parsed = parseOrThrow(SiteCreate, body);
  const base: SiteConfig = {
    id: parsed.id,
    domains: [],
    timezone: DEFAULTS.timezone,
    currency: DEFAULTS.currency,
    privacy: { ...DEFAULTS.privacy },
    attribution: { ...DEFAULTS.attribution },
    goals: [],
    funnels: [],
    collect: { ...DEFAULTS.collect },
    limits: { ...DEFAULTS.limits },
    aliases: {},
  };
  return applyPatch(base, parsed);
}

/** Validates a PATCH body against an existing site; nested objects merge, arrays and `aliases` replace. */
export function patchSite(current: SiteConfig, body: unknown): SiteConfig {
  if (typeof body === "object" && body !== null && !Array.isArray(body) && "id" in body && body.id !== undefined && body.id !== current.id) {
    throw invalid("immutable", "A site's `id` cannot change; create a new site instead.", "id");
  }
  return applyPatch(withDefaults(structuredClone(current)), parseOrThrow(SitePatch, body));
}

function applyPatch(site: SiteConfig, p: SitePatchInput): SiteConfig {
  if (p.domains !== undefined) site.domains = p.domains;
  if (p.timezone !== undefined) site.timezone = p.timezone;
  if (p.currency !== undefined) site.currency = p.currency;
  if (p.privacy !== undefined) site.privacy = { ...site.privacy, ...defined(p.privacy) };
  if (p.attribution !== undefined) site.attribution = { ...site.attribution, ...defined(p.attribution) };
  if (p.collect !== undefined) site.collect = { ...site.collect, ...defined(p.collect) };
  if (p.limits !== undefined) site.limits = { ...limitsOf(site), ...defined(p.limits) };
  if (p.aliases !== undefined) site.aliases = p.aliases;
  if (p.destinations !== undefined) {
    site.destinations = p.destinations;
    unique(site.destinations.map((d) => ({ name: d.id })), "destinations", "duplicate_destination", (n) => `The destination \`${n}\` appears twice.`);
  }
  if (p.goals !== undefined) {
    site.goals = p.goals.map((g) => ({ name: g.name, tier: g.tier ?? "macro", value: g.value ?? null, currency: g.currency ?? null }));
    unique(site.goals, "goals", "duplicate_goal", (n) => `The goal \`${n}\` appears twice.`);
  }
  if (p.funnels !== undefined) {
    site.funnels = p.funnels.map((f) => ({ name: f.name, steps: [...f.steps] }));
    unique(site.funnels, "funnels", "duplicate_funnel", (n) => `The funnel \`${n}\` appears twice.`);
  }
  // A goal removed by PATCH must not leave a funnel step or an alias pointing at it.
  if (p.goals !== undefined || p.funnels !== undefined) checkFunnelSteps(site.funnels, site.goals);
  if (p.goals !== undefined || p.aliases !== undefined) checkAliases(site.aliases ?? {}, site.goals);
  if (p.goals !== undefined || p.destinations !== undefined) checkDestinations(site.destinations ?? [], site.goals);
  return site;
}

/** The keys of `o` whose value is not undefined (valibot leaves absent optional keys absent already; this is for the type). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function unique(list: readonly { name: string }[], field: string, code: string, message: (name: string) => string): void {
  const seen = new Set<string>();
  list.forEach((x, i) => {
    if (seen.has(x.name)) throw invalid(code, message(x.name), `${field}.${i}.name`);
    seen.add(x.name);
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

/** Each alias leads to `pageview` or a goal, and no alias hides one of the site's own names. */
function checkAliases(aliases: Record<string, string>, goals: Goal[]): void {
  const known = new Set(["pageview", ...goals.map((g) => g.name)]);
  for (const [from, to] of Object.entries(aliases)) {
    if (known.has(from)) throw invalid("alias_conflict", `\`${from}\` is already an event name of this site; an alias cannot rename it.`, `aliases.${from}`);
    if (!known.has(to)) throw invalid("unknown_alias_target", `The alias \`${from}\` leads to \`${to}\`, which is neither \`pageview\` nor a goal of this site.`, `aliases.${from}`);
  }
}

/**
 * The site's own name for an event name another tool sends (`aliases`, CONTRACT.md v1.1): the
 * alias target, else `name` unchanged. Every collection path reads names through this once.
 */
export function canonicalName(site: SiteConfig, name: string): string {
  const aliases = site.aliases;
  return aliases !== undefined && Object.hasOwn(aliases, name) ? aliases[name]! : name;
}

/** A destination forwards goals of this site only (a goal removed by PATCH must leave none behind). */
function checkDestinations(destinations: Destination[], goals: Goal[]): void {
  const known = new Set(goals.map((g) => g.name));
  destinations.forEach((d, i) => {
    for (const goal of Object.keys(d.events)) {
      if (!known.has(goal)) throw invalid("unknown_goal", `The destination \`${d.id}\` forwards \`${goal}\`, which is not a goal of this site.`, `destinations.${i}.events.${goal}`);
    }
  });
}

/** The goal named `name`, if any. */
export function goalOf(site: SiteConfig, name: string): Goal | undefined {
  return site.goals.find((g) => g.name === name);
}
