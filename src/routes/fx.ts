import type { IRequest } from "itty-router";
import { putDayRates } from "../db/fx";
import { parseDayRates } from "../fx/rates";
import { requireAdmin } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { dayOf } from "../time/day";

const MAX_BODY = 16 * 1024;

/** PUT /v1/admin/fx/:day: sets or backfills one day's reference rates (replacing that day's). */
export async function putFxDay(req: IRequest, env: Env): Promise<Response> {
  await requireAdmin(req, env);
  const rates = parseDayRates(req.params.day!, await readJsonBody(req, MAX_BODY), dayOf(Date.now(), "UTC"));
  await putDayRates(env.DB, rates);
  return json(rates);
}
