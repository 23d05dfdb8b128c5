import type { IRequest } from "itty-router";
import { requireIngestKey } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { forwardStored } from "../forward/enqueue";
import type { SiteRecord } from "../db/sites";
import { ingestServerEvents, SERVER_MAX_BYTES, type ServerIngest } from "../ingest/server";
import { handOffTestEvents } from "../ingest/test-events";
import { recordLive } from "../live/record";

/**
 * POST /v1/events — `200 {"accepted", "duplicates", "rejected"}`; written before answering. The
 * live test view and the test events' hand-off run after the answer.
 */
export async function postEvents(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const site = await requireIngestKey(req, env);
  const now = Date.now();
  const ingest = await ingestServerEvents(env.DB, site, await readJsonBody(req, SERVER_MAX_BYTES), now);
  afterServerIngest(env, ctx, site, ingest, now);
  return json(ingest.answer);
}

/**
 * What follows a server write once it is answered, for /v1/events and the Segment drop-in alike:
 * the live test view, forwarding of the stored conversions, the test events' hand-off.
 */
export function afterServerIngest(env: Env, ctx: ExecutionContext, site: SiteRecord, { live, tests, forward }: ServerIngest, now: number): void {
  ctx.waitUntil(recordLive(env.DB, site, live, now));
  if (forward.length > 0) ctx.waitUntil(forwardStored(env, forward).catch((err) => console.error("edgetally: forwarding failed", err instanceof Error ? err.message : String(err))));
  if (tests.length > 0) ctx.waitUntil(handOffTestEvents(env, site, tests).catch((err) => console.error("edgetally: test events not handed off", err)));
}
