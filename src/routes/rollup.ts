import type { IRequest } from "itty-router";
import { requireAdmin } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { parseRecompute, recompute } from "../rollup/recompute";

/** `POST /v1/admin/rollup {"site"?, "from", "to"}`: recompute up to 31 days now (docs/ROLLUP.md). */
export async function postRollup(req: IRequest, env: Env, _ctx: ExecutionContext): Promise<Response> {
  await requireAdmin(req, env);
  const body = parseRecompute(await readJsonBody(req, 4096));
  return json(await recompute(env, body, Date.now()));
}
