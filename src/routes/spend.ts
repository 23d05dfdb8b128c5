import type { IRequest } from "itty-router";
import { upsertSpend } from "../db/spend";
import { requireIngestKey } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json, problemOf } from "../http/errors";
import { parseSpendBody } from "../stats/spend";

/** 1,000 rows of ~200 bytes, with room to spare. */
const MAX_BODY = 512 * 1024;

/**
 * POST /v1/spend: imports ad spend (ingest key). Valid rows are upserted, invalid ones are
 * listed by index, as /v1/events does; a body that is not an array is a 422.
 */
export async function postSpend(req: IRequest, env: Env): Promise<Response> {
  const site = await requireIngestKey(req, env);
  const { rows, valid, rejected } = parseSpendBody(await readJsonBody(req, MAX_BODY));
  await upsertSpend(env.DB, site.config.id, rows);
  return json({ accepted: valid, rejected: rejected.map((r) => ({ index: r.index, error: problemOf(r.error) })) });
}
