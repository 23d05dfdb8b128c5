/** Cron entry: rolls up every site's days (see src/rollup). */
export async function handleScheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {
  throw new Error("not implemented");
}
