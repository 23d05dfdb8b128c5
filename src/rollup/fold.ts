import { journeyOf, parseJourney } from "../attribution/journey";
import { attributeLeaves, type LeafKey, type Windows } from "../attribution/models";
import { MODELS } from "../attribution/types";
import { NONE } from "../collect/touch";
import { MACRO_GOAL } from "../db/atoms";
import { CLAMP } from "../privacy/noise";
import type { ConversionRow } from "../db/rollup";
import type { SiteConfig } from "../sites/config";
import { capTouches, type TouchCap } from "./cap";

/**
 * Folding a day's conversions into additive partial sums, one page of events at a time.
 * Everything here is pure: the scheduled job feeds it pages read from D1 and stores the partial
 * sums of finished pages in rollup_scratch, so a large day can resume in a later invocation.
 */

/** Additive sums of one atom key (source, medium, campaign, content, term, goal, model). */
export interface Partial {
  conversions: number;
  credit: number;
  revenue: number;
  byCurrency: Record<string, number>;
}

export interface PartialKey extends LeafKey {
  goal: string;
  model: string;
}

/** Partial sums by atom key id (see `partialKeyId`), in first-seen order. */
export type Partials = Map<string, { key: PartialKey; sums: Partial }>;

/** Per visitor, how many conversions of each goal key were counted today (epsilon sites only). */
export type ClampCounts = Map<string, Record<string, number>>;

/** What the fold needs from a site's configuration. */
export interface FoldConfig {
  goals: Map<string, { tier: "macro" | "micro"; value: number | null; currency: string | null }>;
  windows: Windows;
  currency: string;
  /** clamp per-visitor contributions (CLAMP) because the site adds noise */
  clamp: boolean;
  /** the day's touch cap (rollup/cap.ts), set by the roll once it ranked the day's touches */
  cap?: TouchCap | null;
}

/** The fold's view of a site: goals by name, windows, currency, and whether to clamp (epsilon set). */
export function foldConfig(site: SiteConfig): FoldConfig {
  return {
    goals: new Map(site.goals.map((g) => [g.name, { tier: g.tier, value: g.value, currency: g.currency }])),
    windows: site.attribution,
    currency: site.currency,
    clamp: site.privacy.epsilon !== null,
  };
}

/** Goal keys of a site's atoms: every goal name, then MACRO_GOAL (all macro goals together). */
export function goalKeys(site: SiteConfig): string[] {
  return [...site.goals.map((g) => g.name), MACRO_GOAL];
}

/** A partial key as one unambiguous string (JSON of its seven fields). */
export function partialKeyId(k: PartialKey): string {
  return JSON.stringify([k.source, k.medium, k.campaign, k.content, k.term, k.goal, k.model]);
}

/**
 * Whom a conversion is clamped as (epsilon sites): its visitor hash, or — for a conversion without
 * one (a server event sent without `client`) — a stand-in derived from everything the event says
 * about its person: the journey the server sent (touches with their times) and its landing touch.
 * One person's conversions of a day carry the same journey, so they count once per goal key like
 * a visitor's; conversions that carry nothing to tell people apart share one stand-in per touch
 * and count as one person's (docs/PRIVACY.md "Clamps"). The stand-in is a 64-bit FNV-1a hash
 * prefixed with "~", a character visitor hashes (base64url) never contain, so the two never meet.
 */
export function clampKey(row: ConversionRow): string {
  if (row.visitor !== null) return row.visitor;
  return `~${fnv1a64(JSON.stringify([row.journey, row.touch_kind, row.source, row.medium, row.campaign, row.content, row.term]))}`;
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits (a short, stable scratch key). */
function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/**
 * Adds one conversion to `into`: for each goal key it counts toward (its goal, and MACRO_GOAL
 * for a macro goal) and each model, every touch key with credit gets +1 conversion, the credit,
 * and value × credit as revenue (in the site currency) and by currency. Events whose name is not
 * a configured goal are not conversions and are ignored. With `cfg.clamp`, a visitor (or the
 * stand-in of `clampKey` for a conversion without one) counts at most
 * CLAMP.conversionsPerVisitorDay conversions per goal key and day (tracked in `counts`, in the
 * order conversions are folded) and a value at most CLAMP.valuePerConversion.
 * Returns the clamp key whose count changed, if any.
 */
export function foldConversion(into: Partials, row: ConversionRow, cfg: FoldConfig, counts: ClampCounts): string | null {
  const goal = cfg.goals.get(row.name);
  if (!goal) return null;
  let value = row.value;
  let currency = row.currency ?? cfg.currency;
  if (value === null && goal.value !== null) {
    value = goal.value;
    currency = goal.currency ?? cfg.currency;
  }
  if (value !== null && cfg.clamp) value = Math.max(-CLAMP.valuePerConversion, Math.min(CLAMP.valuePerConversion, value));

  let keys = goal.tier === "macro" ? [row.name, MACRO_GOAL] : [row.name];
  let touchedVisitor: string | null = null;
  if (cfg.clamp) {
    const who = clampKey(row);
    const seen = counts.get(who) ?? {};
    keys = keys.filter((g) => (seen[g] ?? 0) < CLAMP.conversionsPerVisitorDay);
    if (keys.length === 0) return null;
    for (const g of keys) seen[g] = (seen[g] ?? 0) + 1;
    counts.set(who, seen);
    touchedVisitor = who;
  }

  const touches = capTouches(cfg.cap ?? null, journeyOf({
    ts: row.ts,
    journey: parseJourney(row.journey),
    touch_kind: row.touch_kind === "landing" || row.touch_kind === "direct" ? row.touch_kind : null,
    source: row.source,
    medium: row.medium,
    campaign: row.campaign,
    content: row.content,
    term: row.term,
  }));
  const credits = attributeLeaves(touches, row.ts, cfg.windows);
  for (const goalKey of keys) {
    for (const model of MODELS) {
      for (const c of credits[model]) {
        const key: PartialKey = { source: c.source, medium: c.medium, campaign: c.campaign, content: c.content, term: c.term, goal: goalKey, model };
        const sums = slot(into, key);
        sums.conversions += 1;
        sums.credit += c.weight;
        if (value !== null) {
          const amount = value * c.weight;
          if (currency === cfg.currency) sums.revenue += amount;
          sums.byCurrency[currency] = (sums.byCurrency[currency] ?? 0) + amount;
        }
      }
    }
  }
  return touchedVisitor;
}

function slot(into: Partials, key: PartialKey): Partial {
  const id = partialKeyId(key);
  let entry = into.get(id);
  if (!entry) {
    entry = { key, sums: { conversions: 0, credit: 0, revenue: 0, byCurrency: {} } };
    into.set(id, entry);
  }
  return entry.sums;
}

/**
 * Adds the partial sums of a later page to `total`. Pages are always merged in page order, both
 * in one invocation and when resuming from scratch, so the floating-point sums come out
 * bit-identical however many invocations a day takes.
 */
export function mergePartials(total: Partials, page: Partials): void {
  for (const { key, sums } of page.values()) {
    const t = slot(total, key);
    t.conversions += sums.conversions;
    t.credit += sums.credit;
    t.revenue += sums.revenue;
    for (const [cur, amount] of Object.entries(sums.byCurrency)) t.byCurrency[cur] = (t.byCurrency[cur] ?? 0) + amount;
  }
}

/** A saved partial sum (since 0008 with content and term; a scratch row written before has neither). */
type PartialRow =
  | [string, string, string, string, string, string, string, number, number, number, Record<string, number>]
  | [string, string, string, string, string, number, number, number, Record<string, number>];

/**
 * Serialises one page's partial sums as JSON texts of at most `perPart` entries each
 * (rollup_scratch rows; D1 caps a row at 2 MB). The first part also records how many conversion
 * rows the page folded, so a resume can check it found every page. JSON keeps every double exactly.
 */
export function encodePartials(p: Partials, perPart: number, rows: number): string[] {
  const entries: PartialRow[] = [...p.values()].map(({ key, sums }) => [
    key.source, key.medium, key.campaign, key.content, key.term, key.goal, key.model, sums.conversions, sums.credit, sums.revenue, sums.byCurrency,
  ]);
  const parts: string[] = [];
  for (let i = 0; i === 0 || i < entries.length; i += perPart) {
    parts.push(JSON.stringify({ rows: i === 0 ? rows : 0, sums: entries.slice(i, i + perPart) }));
  }
  return parts;
}

/** Inverse of one part of `encodePartials`: merges its sums into `into` and returns its row count. */
export function decodePartialsInto(into: Partials, json: string): number {
  const part = JSON.parse(json) as { rows: number; sums: PartialRow[] };
  const page: Partials = new Map();
  for (const row of part.sums) {
    // A page saved before 0008 (a roll interrupted across the upgrade) has no content or term.
    const [source, medium, campaign, content, term, goal, model, conversions, credit, revenue, byCurrency] =
      row.length === 9 ? [row[0], row[1], row[2], NONE, NONE, row[3], row[4], row[5], row[6], row[7], row[8]] : row;
    const key: PartialKey = { source, medium, campaign, content, term, goal, model };
    page.set(partialKeyId(key), { key, sums: { conversions, credit, revenue, byCurrency } });
  }
  mergePartials(into, page);
  return part.rows;
}
