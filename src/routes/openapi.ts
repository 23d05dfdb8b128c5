import type { IRequest } from "itty-router";

/**
 * GET /openapi.json when the Worker sees it: the document is a static asset (public/openapi.json,
 * built by scripts/build-openapi.mjs from src/openapi.ts), served at the edge without invoking the
 * Worker; this answers the same asset where the asset router is bypassed (and keeps the route in
 * the router's table, which the document describes).
 */
export async function getOpenApi(req: IRequest, env: Env): Promise<Response> {
  const asset = await env.ASSETS.fetch(new URL("/openapi.json", req.url));
  const res = new Response(asset.body, asset);
  if (asset.ok) {
    res.headers.set("content-type", "application/json; charset=utf-8");
    res.headers.set("cache-control", "public, max-age=300");
    res.headers.set("access-control-allow-origin", "*");
  }
  return res;
}
