import type { IRequest } from "itty-router";
import { json } from "../http/errors";
import { openApiDocument } from "../openapi";

/** GET /openapi.json: the OpenAPI 3.1 description of the public API (public, cacheable). */
export async function getOpenApi(_req: IRequest): Promise<Response> {
  return json(openApiDocument, 200, { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" });
}
