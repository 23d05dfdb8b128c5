import type { IRequest } from "itty-router";
import { clientIp, requireIngestKey } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { linkLiveHit } from "../live/link";
import { recordLive } from "../live/record";
import { createLink, followCode } from "../links/service";

const MAX_BODY = 16 * 1024;

/** POST /v1/links (ingest key) → 201 {code, url}. */
export async function postLink(req: IRequest, env: Env): Promise<Response> {
  const site = await requireIngestKey(req, env);
  const code = await createLink(env.DB, site, await readJsonBody(req, MAX_BODY));
  const url = `${new URL(req.url).origin}/l/${code}`;
  return json({ code, url }, 201, { location: url });
}

/**
 * GET /l/:code → 302 to the link's destination with its utm_* parameters. The query string of
 * the request is never read. The click is counted after the answer, in waitUntil.
 */
export async function followLink(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const now = Date.now();
  const click = await followCode(env.DB, req.params.code ?? "", req.headers.get("user-agent"), clientIp(req), now);
  if (click.count) ctx.waitUntil(click.count.catch((err: unknown) => console.error("link click not counted", err)));
  ctx.waitUntil(recordLive(env.DB, click.site, () => [linkLiveHit(click, now)], now));
  return new Response(null, { status: 302, headers: { location: click.location, "cache-control": "no-store" } });
}
