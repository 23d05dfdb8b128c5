import { refreshRates } from "../fx/refresh";
import { runRollup } from "./run";

/**
 * Cron entry (wrangler.toml `7 * * * *`): fetches the day's exchange rates if missing, then rolls
 * up every site and purges what is past retention.
 * Awaited, not passed to waitUntil: the scheduled event lives as long as its promise, and a
 * failure then shows up as a failed cron run in the dashboard.
 */
export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  // A rate feed that is down must not stop the rollup; the next run fetches again.
  await refreshRates(env.DB, env.FX_URL, controller.scheduledTime).catch((err) => console.error("edgetally: fetching exchange rates failed", err));
  await runRollup(env, controller.scheduledTime);
}
