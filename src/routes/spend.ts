import type { IRequest } from "itty-router";
import { requireIngestKey } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { importSpend } from "../spend/import";

/** 1,000 rows of ~250 bytes, with room to spare. */
const MAX_BODY = 512 * 1024;

/**
 * POST /v1/spend: imports ad spend (ingest key). Valid rows are upserted, invalid ones are
 * listed by index, as /v1/events does; a body that is not an array is a 422.
 */
export async function postSpend(req: IRequest, env: Env): Promise<Response> {
  const site = await requireIngestKey(req, env);
  return json(await importSpend(env.DB, site.config.id, await readJsonBody(req, MAX_BODY)));
}
