import { purgeLive } from "../db/live";
import { runRollup } from "./run";

/**
 * Cron entry (wrangler.toml `7 * * * *`): rolls up every site and purges what is past retention,
 * and what ended live test sessions left (docs/LIVE.md).
 * Awaited, not passed to waitUntil: the scheduled event lives as long as its promise, and a
 * failure then shows up as a failed cron run in the dashboard.
 */
export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  await runRollup(env, controller.scheduledTime);
  await purgeLive(env.DB, controller.scheduledTime);
}
