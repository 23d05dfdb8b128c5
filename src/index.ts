import { handleQueue } from "./ingest/consumer";
import { pixelFirst } from "./routes/collect";
import { handleScheduled } from "./rollup/scheduled";
import { router } from "./router";

/** The Worker's face: wiring only. The data's way is src/collect → ingest → rollup → stats. */
export default {
  fetch: pixelFirst(router.fetch),
  scheduled: handleScheduled,
  queue: handleQueue,
} satisfies ExportedHandler<Env>;
