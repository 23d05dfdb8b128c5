import type { CleanEvent } from "../collect/event";
import { looksLikePhone } from "../collect/scrub";
import type { Problem } from "../http/errors";
import { NAME_MAX } from "../sites/config";

/**
 * One hit as the live test view shows it (CONTRACT.md "The live test view"): how it came, what
 * became of it and why, and the scrubbed fields an events row may hold — never an IP address,
 * user agent, e-mail or phone number. Pure: building and judging hits needs no Worker.
 */

export type LiveVia = "pixel" | "beacon" | "server" | "link" | "plausible" | "segment";
export type LiveOutcome = "accepted" | "duplicate" | "dropped" | "test";
export type LiveReason = "bot" | "foreign_origin" | "invalid" | "unknown_event" | "consent" | "rate_limited" | null;

export interface LiveTouch {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

export interface LiveHit {
  /** receive time, unix ms (ISO-8601 in answers) */
  at: number;
  via: LiveVia;
  name: string | null;
  outcome: LiveOutcome;
  reason: LiveReason;
  url: string | null;
  touch: LiveTouch;
  value: number | null;
  currency: string | null;
  /** as sent; src/live/record.ts turns it into the stored form before it is written */
  event_id: string | null;
  errors: Problem[];
}

/** What is known about a hit besides its problems. */
export interface Judgement {
  /** `"test": true` / `t=1` */
  test?: boolean;
  /** the request was over the collection rate limit */
  rateLimited?: boolean;
  /** a copy of an earlier event_id, found when the event was written */
  duplicate?: boolean;
}

/** Problem codes that say why a hit was dropped, most telling first; any other problem is `invalid`. */
const REASONS: readonly (readonly [code: string, reason: Exclude<LiveReason, null>])[] = [
  ["bot", "bot"],
  ["foreign_origin", "foreign_origin"],
  ["gpc", "consent"],
  ["unknown_event", "unknown_event"],
];

/**
 * The outcome of a hit and its reason. Who sent it (bot, foreign origin, consent) outranks what
 * it holds (unknown event, invalid fields); the rate limit drops only hits that would otherwise
 * pass; a duplicate found in the same request is its only problem (src/ingest/browser.ts).
 */
export function judge(problems: readonly Problem[], j: Judgement = {}): { outcome: LiveOutcome; reason: LiveReason } {
  for (const [code, reason] of REASONS) if (problems.some((p) => p.code === code)) return { outcome: "dropped", reason };
  if (problems.some((p) => p.code !== "duplicate")) return { outcome: "dropped", reason: "invalid" };
  if (j.rateLimited) return { outcome: "dropped", reason: "rate_limited" };
  if (j.duplicate || problems.length > 0) return { outcome: "duplicate", reason: null };
  return { outcome: j.test ? "test" : "accepted", reason: null };
}

const NO_TOUCH: LiveTouch = { source: null, medium: null, campaign: null, content: null, term: null };

// Free text from a hit (a name it sent, an unknown key in an error) may hold an address or a number.
const EMAILS = /[^\s@/?#&=:;,<>()"'`]+@[^\s@/?#&=:;,<>()"'`]+\.[a-z]{2,}/gi;
const PHONES = /\+?[\d(][\d\s().\-/]{5,23}\d/g;
export const REDACTED = "redacted";

/** `text` with e-mail addresses and phone numbers (as the collection scrub sees them) replaced by `redacted`. */
export function scrubText(text: string): string {
  return text.replace(EMAILS, REDACTED).replace(PHONES, (run) => (looksLikePhone(run) ? REDACTED : run));
}

/** The name a hit sent, as the live view may show it: a short string, scrubbed; anything else null. */
export function sentName(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const name = scrubText(v);
  return name.length > NAME_MAX ? `${name.slice(0, NAME_MAX)}…` : name;
}

function scrubProblem(p: Problem): Problem {
  const out: Problem = { code: p.code, message: scrubText(p.message) };
  if (p.field !== undefined) out.field = scrubText(p.field);
  return out;
}

/**
 * The live view of one hit from the event it would store (null when it never became one) and
 * its problems. `name` is what the hit sent: shown as sent when the name itself is wrong, else
 * the event's (canonical) name; absent means `pageview` where the path defaults to it.
 */
export function liveHit(via: LiveVia, at: number, event: CleanEvent | null, name: unknown, problems: readonly Problem[], j: Judgement = {}): LiveHit {
  const nameWrong = problems.some((p) => p.code === "unknown_event" || p.code === "invalid_name");
  const { outcome, reason } = judge(problems, j);
  return {
    at,
    via,
    name: event && !nameWrong ? event.name : sentName(name),
    outcome,
    reason,
    url: event?.url ?? null,
    touch: event
      ? { source: event.source, medium: event.medium, campaign: event.campaign, content: event.content, term: event.term }
      : NO_TOUCH,
    value: event?.value ?? null,
    currency: event?.currency ?? null,
    event_id: event?.event_id ?? null,
    errors: problems.map(scrubProblem),
  };
}
