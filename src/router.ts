import { Router, type IRequest } from "itty-router";
import { errorResponse, HttpError } from "./http/errors";
import { deleteSiteRoute, getSiteRoute, patchSiteRoute, postKeys, postSite } from "./routes/admin";
import { beacon, beaconPreflight, pixel } from "./routes/collect";
import { postEvents } from "./routes/events";
import { putFxDay } from "./routes/fx";
import { followLink, postLink } from "./routes/links";
import { getOpenApi } from "./routes/openapi";
import { postRollup } from "./routes/rollup";
import { postSpend } from "./routes/spend";
import { getFunnel, getStats } from "./routes/stats";
import { getTracker } from "./routes/tracker";

/** Every public route, in the order of the data's way: collect → ingest → read → admin. */
export const router = Router<IRequest, [Env, ExecutionContext]>({ catch: errorResponse })
  .get("/t.js", getTracker)
  .get("/p.gif", pixel)
  .post("/e", beacon)
  .options("/e", beaconPreflight)
  .get("/l/:code", followLink)
  .post("/v1/events", postEvents)
  .post("/v1/links", postLink)
  .post("/v1/spend", postSpend)
  .get("/v1/stats", getStats)
  .get("/v1/funnel", getFunnel)
  .get("/openapi.json", getOpenApi)
  .post("/v1/admin/sites", postSite)
  .get("/v1/admin/sites/:id", getSiteRoute)
  .patch("/v1/admin/sites/:id", patchSiteRoute)
  .delete("/v1/admin/sites/:id", deleteSiteRoute)
  .post("/v1/admin/sites/:id/keys", postKeys)
  .post("/v1/admin/rollup", postRollup)
  .put("/v1/admin/fx/:day", putFxDay)
  .all("*", () => {
    throw new HttpError(404, "not_found", "No such endpoint; see /openapi.json for the API.");
  });
