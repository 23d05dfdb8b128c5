import type { IRequest } from "itty-router";
import { requireReadKey } from "../http/auth";
import { json } from "../http/errors";
import { liveView, startLive } from "../live/view";
import { requireSiteParam } from "../stats/query";

/** POST /v1/live?site= (read key): starts or extends the site's 30-minute test session → `{"until"}`. */
export async function postLive(req: IRequest, env: Env): Promise<Response> {
  const { config: site } = await requireReadKey(req, env, requireSiteParam(new URL(req.url).searchParams));
  return json(await startLive(env.DB, site.id));
}

/** GET /v1/live?site= (read key): `{"until", "hits"}`, the session's hits newest first. */
export async function getLive(req: IRequest, env: Env): Promise<Response> {
  const { config: site } = await requireReadKey(req, env, requireSiteParam(new URL(req.url).searchParams));
  return json(await liveView(env.DB, site.id));
}
