import type { IRequest } from "itty-router";
import { requireReadKey } from "../http/auth";
import { periodOf } from "../sites/config";
import { json } from "../http/errors";
import { noStatsData, readFunnel, readStats } from "../stats/read";
import { acceptsCsv, parseFunnelQuery, parseStatsQuery, requireSiteParam, window } from "../stats/query";
import { buildStats, statsCsv } from "../stats/report";

/** GET /v1/stats: released aggregates of one site (CONTRACT.md "Aggregates"). */
export async function getStats(req: IRequest, env: Env): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const { config: site } = await requireReadKey(req, env, requireSiteParam(params));
  const query = parseStatsQuery(params, site, acceptsCsv(req.headers.get("accept")));
  const { provisional, answered: r } = window(query, Date.now(), site.timezone, site.privacy.final_only);
  const data = r ? await readStats(env.DB, site.id, query, r.from, r.to, site.privacy.k, site.currency, periodOf(site)) : noStatsData();
  const answer = buildStats({ site, query, provisional, ...data, answered: r });
  if (query.format === "json") return json(answer);
  return new Response(statsCsv(answer), {
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="edgetally-${site.id}-${query.from}-${query.to}.csv"`,
      "cache-control": "no-store",
    },
  });
}

/** GET /v1/funnel: a configured funnel's step visitors over released days. */
export async function getFunnel(req: IRequest, env: Env): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const { config: site } = await requireReadKey(req, env, requireSiteParam(params));
  const { funnel, ...range } = parseFunnelQuery(params, site);
  const { provisional, answered: r } = window(range, Date.now(), site.timezone, site.privacy.final_only);
  const released = await readFunnel(env.DB, site.id, funnel, r, site.privacy.k);
  return json({
    site: site.id,
    from: range.from,
    to: range.to,
    funnel: funnel.name,
    steps: released.steps,
    other_steps_days: released.other_steps_days,
    privacy: {
      k: site.privacy.k,
      epsilon: site.privacy.epsilon,
      final_only: site.privacy.final_only,
      suppressed: released.withheld_days.length,
      withheld_days: released.withheld_days,
      provisional_days: provisional,
    },
  });
}
