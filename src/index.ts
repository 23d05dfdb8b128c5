import { handleForwardQueue, FORWARD_DLQ, FORWARD_QUEUE } from "./forward/deliver";
import { handleQueue } from "./ingest/consumer";
import { pixelFirst } from "./pixel-first";
import { handleScheduled } from "./rollup/scheduled";
import { router } from "./router";

/** The Worker's face: wiring only. The data's way is src/collect → ingest → rollup → stats. */
export default {
  fetch: pixelFirst(router.fetch),
  scheduled: handleScheduled,
  // The forward queues first: their dead letters hold identifiers and must never reach dead_letters.
  queue: (batch, env, ctx) => (batch.queue === FORWARD_QUEUE || batch.queue === FORWARD_DLQ ? handleForwardQueue(batch, env) : handleQueue(batch, env, ctx)),
} satisfies ExportedHandler<Env>;
