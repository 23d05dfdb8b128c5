// The JSON API, as the dashboard reads it: every number on the page comes from these answers
// (issue 11, contract "The dashboard"). Same origin only; the read key travels as a bearer token.

export interface Session {
  site: string;
  key: string;
}

/** A row's figures (contract "Aggregates"). */
export interface Figures {
  clicks?: number;
  visitors: number;
  conversions: number;
  conversion_rate: number | null;
  revenue: number;
  currency?: string;
  cost?: number | null;
  cpa?: number | null;
  roas?: number | null;
  platform_conversions?: number | null;
  discrepancy?: number | null;
}

export interface Row extends Figures {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
  term?: string;
  day?: string;
  goal?: string;
  tier?: string;
}

export interface Paid {
  cost: number | null;
  conversions: number;
  revenue: number;
  cpa: number | null;
  roas: number | null;
  platform_conversions: number | null;
  discrepancy: number | null;
}

export interface Privacy {
  k: number;
  epsilon: number | null;
  final_only?: boolean;
  suppressed: number;
  withheld_days?: string[];
  provisional_days: string[];
  /** v1.1: the time grain the rows were released at */
  period?: "day" | "week" | "month" | "mixed";
  partial_periods?: string[];
}

export interface Stats {
  site: string;
  from: string;
  to: string;
  group: string;
  model: string;
  goal: string | null;
  currency?: string;
  privacy: Privacy;
  rows: Row[];
  other: Figures;
  totals: Figures & { paid?: Paid };
  updated_at: string | null;
}

export interface Funnel {
  funnel: string;
  steps: { name: string; visitors: number }[];
  privacy: Privacy & { withheld_days?: string[] };
}

export interface LiveHit {
  at: string;
  via: string;
  name: string;
  outcome: "accepted" | "duplicate" | "dropped" | "test";
  reason: string | null;
  url: string | null;
  touch: Record<string, string | null> | null;
  value: number | null;
  currency: string | null;
  event_id: string | null;
  errors: { code: string; message: string; field?: string }[];
}

export interface Live {
  until: string | null;
  hits: LiveHit[];
}

export const MODELS = ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"] as const;
export type Model = (typeof MODELS)[number];

/** An answer other than 2xx, in the contract's error shape where the API gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the API on this origin with the session's read key; throws ApiError on a non-2xx answer. */
export async function api<T>(session: Session, method: "GET" | "POST", path: string, params: Record<string, string | undefined>): Promise<T> {
  const q = new URLSearchParams({ site: session.site });
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  let res: Response;
  try {
    res = await fetch(`${path}?${q}`, { method, headers: { authorization: `Bearer ${session.key}`, accept: "application/json" }, credentials: "omit", cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", "The server could not be reached. Check the connection and try again.");
  }
  if (res.ok) return (await res.json()) as T;
  let code = "http_" + res.status;
  let message = `The server answered ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {}
  throw new ApiError(res.status, code, message);
}

export interface StatsQuery {
  from: string;
  to: string;
  group: string;
  model?: string;
  goal?: string;
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
}

/** Answers are cached per query for the page's life: switching views back and forth asks once. */
const cache = new Map<string, Promise<unknown>>();

export function stats(session: Session, q: StatsQuery): Promise<Stats> {
  const params: Record<string, string | undefined> = { ...q };
  const key = `${session.site}\n${JSON.stringify(params)}`;
  let p = cache.get(key) as Promise<Stats> | undefined;
  if (!p) {
    p = api<Stats>(session, "GET", "/v1/stats", params);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

export function funnel(session: Session, from: string, to: string, name: string): Promise<Funnel> {
  return api<Funnel>(session, "GET", "/v1/funnel", { from, to, funnel: name });
}

export function clearCache(): void {
  cache.clear();
}
