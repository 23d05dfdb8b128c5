import type { CLICK_ID_KEYS } from "../schemas/server-event";
import type { Destination } from "../schemas/destinations";

/** The click ids a conversion may carry (CONTRACT.md v1.1 `click_ids`). */
export type ClickIds = Partial<Record<(typeof CLICK_ID_KEYS)[number], string | null>>;

/** The `user` fields as the advertiser sent them: hashed per platform before any leaves the Worker. */
export interface RawUser {
  email?: string | null;
  phone?: string | null;
  external_id?: string | null;
}

/** User fields already normalised and SHA-256-hashed by one platform's rules (lower-case hex). */
export interface HashedUser {
  email?: string;
  phone?: string;
  external_id?: string;
}

/**
 * What forwarding needs of a stored conversion beyond its events row: the identifiers for match
 * quality. It lives in memory (server path) or inside a queue message (browser path) only until
 * the forward jobs are built; it is never written to D1 or logged (db/events.ts ignores it, dead
 * letters strip it: src/ingest/consumer.ts).
 */
export interface ForwardContext {
  /** the event_id as the advertiser sent it (the platform's dedup key with its own pixel) */
  event_id: string | null;
  ip: string | null;
  user_agent: string | null;
  user?: RawUser | null;
  click_ids?: ClickIds | null;
  /** the ServerEvent's `consent` (v1.1), passed to platforms that take it (Google Ads) */
  consent?: Consent | null;
}

/** The visitor's ad consent as the advertiser sent it (CONTRACT.md v1.1 `consent`); absent fields are unknown. */
export interface Consent {
  ad_user_data?: boolean | null;
  ad_personalization?: boolean | null;
}

/** A touch as forwarded to a webhook. */
export interface ForwardTouch {
  source: string;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

/** One conversion for one destination, as it travels in the forward queue. */
export interface ForwardEvent {
  event_id: string | null;
  /** edgetally's goal name */
  goal: string;
  /** the destination's name for it (`events` of the destination) */
  name: string;
  /** event time, unix seconds */
  time: number;
  value: number | null;
  currency: string | null;
  /** scrubbed page URL */
  url: string | null;
  touch: ForwardTouch | null;
  ip: string | null;
  user_agent: string | null;
  /** hashed by this destination's platform rules */
  user: HashedUser;
  click_ids: ClickIds;
  /** present only when the advertiser sent consent (older jobs in the queue have none) */
  consent?: Consent;
}

/** A forward queue message: one event for one destination. */
export interface ForwardJob {
  v: 1;
  /** this job's id: a redelivery keeps it, another copy of the event has another */
  job: string;
  site: string;
  destination: string;
  /** the outbox key (src/db/forward.ts): the stored event_id (keyed hash) or message id */
  key: string;
  /** the destination's test code for a test event (never stored or counted); null otherwise */
  test: string | null;
  event: ForwardEvent;
}

/** What became of one job's delivery attempt. */
export type Outcome =
  | { kind: "delivered" }
  | { kind: "retry"; status: number; message: string }
  | { kind: "failed"; status: number; message: string };

/** What a platform file gets for one request. */
export interface SendContext {
  env: Env;
  fetch: typeof fetch;
  /** ms before a request counts as a network error (retried) */
  timeoutMs: number;
}

/** One platform's wire format (src/forward/<platform>.ts). */
export interface Platform<D extends Destination = Destination> {
  /** most events in one request (the platform's documented limit) */
  batchMax: number;
  /** the platform refuses events older than this (ms after the event time) */
  maxAgeMs: number;
  /** normalises and hashes the user fields by this platform's rules */
  hashUser(user: RawUser): Promise<HashedUser>;
  /** sends one batch (all with the same test code); one outcome per job, in order */
  send(dest: D, jobs: readonly ForwardJob[], ctx: SendContext): Promise<Outcome[]>;
}
