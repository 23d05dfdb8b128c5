import { purgeForward } from "../db/forward";
import { purgeLive } from "../db/live";
import { refreshRates } from "../fx/refresh";
import { ROLLUP_QUERIES } from "./budget";
import { runRollup } from "./run";

/**
 * Cron entry (wrangler.toml `7 * * * *`): fetches the day's exchange rates if missing, then
 * rolls up every site and purges what is past retention,
 * and what ended live test sessions left (docs/LIVE.md).
 * Awaited, not passed to waitUntil: the scheduled event lives as long as its promise, and a
 * failure then shows up as a failed cron run in the dashboard.
 */
export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  // A rate feed that is down must not stop the rollup; the next run fetches again.
  await refreshRates(env.DB, env.FX_URL, controller.scheduledTime).catch((err) => console.error("edgetally: fetching exchange rates failed", err));
  await runRollup(env, controller.scheduledTime, { maxQueries: queryBudget(env.ROLLUP_QUERY_BUDGET) });
  await purgeLive(env.DB, controller.scheduledTime);
  await purgeForward(env.DB, controller.scheduledTime);
}

/**
 * The queries one run may use: `ROLLUP_QUERY_BUDGET` (Workers Free allows 50 D1 queries per
 * invocation; `npm run deploy:free` sets 45), else the paid plan's ROLLUP_QUERIES. A run that
 * runs out saves its cursors and the next cron continues, so a small budget is slower, never wrong.
 */
export function queryBudget(setting: string | undefined): number {
  const n = Number(setting);
  return setting && Number.isInteger(n) && n >= 10 && n <= ROLLUP_QUERIES ? n : ROLLUP_QUERIES;
}
