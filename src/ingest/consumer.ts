/** Queue consumer: writes queued browser hits to D1 in batches (see src/ingest). */
export async function handleQueue(_batch: MessageBatch<unknown>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  throw new Error("not implemented");
}
