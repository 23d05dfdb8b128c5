import type { IRequest } from "itty-router";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { requireAdmin } from "../http/auth";
import { destinationStatus } from "../forward/status";
import { createSite, loadSite, removeSite, rotateKeys, siteView, updateSite } from "../sites/service";

const MAX_BODY = 64 * 1024;

export async function postSite(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  const { site, keys } = await createSite(env.DB, await readJsonBody(req, MAX_BODY), Date.now(), env.DESTINATIONS_KEY);
  return json({ ...siteView(site), ...keys }, 201);
}

export async function getSiteRoute(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  return json(siteView(await loadSite(env.DB, req.params.id!)));
}

export async function patchSiteRoute(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  return json(siteView(await updateSite(env.DB, req.params.id!, await readJsonBody(req, MAX_BODY), Date.now(), env.DESTINATIONS_KEY)));
}

export async function deleteSiteRoute(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  await removeSite(env.DB, req.params.id!);
  return new Response(null, { status: 204 });
}

export async function postKeys(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  return json(await rotateKeys(env.DB, req.params.id!));
}

/** GET /v1/admin/sites/:id/destinations — each destination's forwarding counters and last outcomes. */
export async function getDestinationsRoute(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  const site = await loadSite(env.DB, req.params.id!);
  return json({ destinations: await destinationStatus(env.DB, site) });
}
