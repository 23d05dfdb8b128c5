import { Router, type IRequest } from "itty-router";
import { errorResponse, HttpError } from "./http/errors";
import { deleteSiteRoute, getDestinationsRoute, getSiteRoute, patchSiteRoute, postKeys, postSite } from "./routes/admin";
import { isCollectionPrefix } from "./http/prefix";
import { beacon, beaconPreflight, pixel } from "./routes/collect";
import { postEvents } from "./routes/events";
import { plausibleEvent } from "./routes/plausible";
import { segmentBatch, segmentIdentify, segmentPage, segmentTrack } from "./routes/segment";
import { putFxDay } from "./routes/fx";
import { followLink, postLink } from "./routes/links";
import { getLive, postLive } from "./routes/live";
import { getOpenApi } from "./routes/openapi";
import { postRollup } from "./routes/rollup";
import { postSpend } from "./routes/spend";
import { getFunnel, getStats } from "./routes/stats";
import { getAdsTracker, getTracker } from "./routes/tracker";

type Handler = (req: IRequest, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

/**
 * A collection route under a one-segment prefix (CONTRACT.md v1.1: `/et/p.gif` is `/p.gif`), so a
 * site can route a first-party path (`shop.example/et/*`) to the Worker with no configuration.
 * `v1` is the API's own namespace and is no prefix: answering nothing lets the router go on to 404.
 */
export const COLLECTION_PREFIX = "/:prefix";
const prefixed =
  (handler: Handler) =>
  (req: IRequest, env: Env, ctx: ExecutionContext): ReturnType<Handler> | undefined =>
    isCollectionPrefix(req.params.prefix ?? "") ? handler(req, env, ctx) : undefined;

/** Every public route, in the order of the data's way: collect → ingest → read → admin. */
export const router = Router<IRequest, [Env, ExecutionContext]>({ catch: errorResponse })
  .get("/t.js", getTracker)
  .get("/t-ads.js", getAdsTracker)
  .get("/p.gif", pixel)
  .post("/e", beacon)
  .options("/e", beaconPreflight)
  .get(`${COLLECTION_PREFIX}/t.js`, prefixed(getTracker))
  .get(`${COLLECTION_PREFIX}/t-ads.js`, prefixed(getAdsTracker))
  .get(`${COLLECTION_PREFIX}/p.gif`, prefixed(pixel))
  .post(`${COLLECTION_PREFIX}/e`, prefixed(beacon))
  .options(`${COLLECTION_PREFIX}/e`, prefixed(beaconPreflight))
  .get(`${COLLECTION_PREFIX}/l/:code`, prefixed(followLink))
  // After the prefixed paths, so `/l/p.gif/` is the pixel under prefix `l` (a link code has no dot).
  .get("/l/:code", followLink)
  .post("/v1/events", postEvents)
  // Drop-in endpoints (v1.1): Plausible's and Segment's clients with only their endpoint changed.
  .post("/api/event", plausibleEvent)
  .options("/api/event", beaconPreflight)
  .post("/v1/track", segmentTrack)
  .post("/v1/page", segmentPage)
  .post("/v1/identify", segmentIdentify)
  .post("/v1/batch", segmentBatch)
  .post("/v1/links", postLink)
  .post("/v1/spend", postSpend)
  .get("/v1/stats", getStats)
  .get("/v1/funnel", getFunnel)
  .post("/v1/live", postLive)
  .get("/v1/live", getLive)
  .get("/openapi.json", getOpenApi)
  .post("/v1/admin/sites", postSite)
  .get("/v1/admin/sites/:id", getSiteRoute)
  .patch("/v1/admin/sites/:id", patchSiteRoute)
  .delete("/v1/admin/sites/:id", deleteSiteRoute)
  .post("/v1/admin/sites/:id/keys", postKeys)
  .get("/v1/admin/sites/:id/destinations", getDestinationsRoute)
  .post("/v1/admin/rollup", postRollup)
  .put("/v1/admin/fx/:day", putFxDay)
  .all("*", () => {
    throw new HttpError(404, "not_found", "No such endpoint; see /openapi.json for the API.");
  });
