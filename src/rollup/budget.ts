/**
 * Counts D1 queries against the per-invocation limit so the rollup stops early, with its
 * progress saved, instead of failing half-way through a write.
 * NOTE: Workers Paid allows 1,000 D1 queries per invocation; every statement of a `db.batch`
 * is counted as one, the conservative reading of the limit.
 * https://developers.cloudflare.com/d1/platform/limits/
 */
export const MAX_QUERIES = 1000;
/** What one invocation of the rollup allows itself, leaving room for the odd query elsewhere. */
export const ROLLUP_QUERIES = 950;

export class QueryBudget {
  used = 0;
  private parent: QueryBudget | null = null;

  /** `reserve`: queries kept back for a later phase (the purge) until `release()`. */
  constructor(
    readonly limit: number,
    private reserve = 0,
  ) {}

  /** Takes `n` queries if they fit; false (and nothing taken) when they do not. */
  take(n: number): boolean {
    if (this.used + n > this.limit - this.reserve) return false;
    if (this.parent && !this.parent.take(n)) return false;
    this.used += n;
    return true;
  }

  /**
   * A budget for one part of the work (one site-day): at most `limit` queries, each also taken
   * from this budget, so one huge day cannot spend what the days after it need.
   */
  share(limit: number): QueryBudget {
    const child = new QueryBudget(Math.max(0, Math.min(limit, this.left)));
    child.parent = this;
    return child;
  }

  /** Makes the reserved queries available. */
  release(): void {
    this.reserve = 0;
  }

  get left(): number {
    const own = this.limit - this.reserve - this.used;
    return this.parent ? Math.min(own, this.parent.left) : own;
  }
}
