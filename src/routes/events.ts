import type { IRequest } from "itty-router";
import { requireIngestKey } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { ingestServerEvents, SERVER_MAX_BYTES } from "../ingest/server";

/** POST /v1/events — `200 {"accepted", "duplicates", "rejected"}`; written before answering. */
export async function postEvents(req: IRequest, env: Env): Promise<Response> {
  const site = await requireIngestKey(req, env);
  return json(await ingestServerEvents(env.DB, site, await readJsonBody(req, SERVER_MAX_BYTES)));
}
