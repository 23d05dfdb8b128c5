import type { IRequest } from "itty-router";
import { OPENAPI_GZIP_BASE64 } from "../openapi.gen";

// Decoded once per isolate: the document built by scripts/build-openapi.mjs from src/openapi.ts.
const GZIP = Uint8Array.from(atob(OPENAPI_GZIP_BASE64), (c) => c.charCodeAt(0));

/**
 * GET /openapi.json: the OpenAPI 3.1 description of the public API (public, cacheable). Stored
 * gzipped to keep the Worker small; inflated per request (rare) and left to the platform to
 * compress for each client.
 */
export async function getOpenApi(_req: IRequest): Promise<Response> {
  // NOTE: the stored bytes are not sent with `content-encoding: gzip` as they are: the runtime sees
  // `Accept-Encoding: gzip` on every request (wrangler dev did too), so a client that cannot
  // inflate would receive gzip. https://developers.cloudflare.com/fundamentals/reference/http-headers/
  return new Response(new Blob([GZIP]).stream().pipeThrough(new DecompressionStream("gzip")), {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300", "access-control-allow-origin": "*" },
  });
}
