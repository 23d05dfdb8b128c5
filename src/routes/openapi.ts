import type { IRequest } from "itty-router";
import { OPENAPI_GZIP_BASE64 } from "../openapi.gen";

// Decoded once per isolate: the document built by scripts/build-openapi.mjs from src/openapi.ts.
const GZIP = Uint8Array.from(atob(OPENAPI_GZIP_BASE64), (c) => c.charCodeAt(0));
const HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300", "access-control-allow-origin": "*", vary: "Accept-Encoding" };

/**
 * GET /openapi.json: the OpenAPI 3.1 description of the public API (public, cacheable). Sent
 * gzipped as stored to clients that accept it, inflated for the others.
 */
export async function getOpenApi(req: IRequest): Promise<Response> {
  if (/\bgzip\b/i.test(req.headers.get("accept-encoding") ?? "")) {
    // NOTE: "manual" sends the stored gzip bytes as they are instead of compressing them again.
    // https://developers.cloudflare.com/workers/runtime-apis/response/#parameters
    return new Response(GZIP, { headers: { ...HEADERS, "content-encoding": "gzip" }, encodeBody: "manual" });
  }
  return new Response(new Blob([GZIP]).stream().pipeThrough(new DecompressionStream("gzip")), { headers: HEADERS });
}
