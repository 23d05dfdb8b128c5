import type { IRequest } from "itty-router";
import { checkSegmentMessage, type SegmentCall, SEGMENT_BATCH_MAX_BYTES, SEGMENT_EVENT_MAX_BYTES, segmentMessages } from "../dropin/segment";
import { requireBasicIngestKey } from "../http/auth";
import { readJsonBody } from "../http/body";
import { json } from "../http/errors";
import { ingestChecked, type IndexedEvent } from "../ingest/server";
import { afterServerIngest } from "./events";

/**
 * POST /v1/track, /v1/page, /v1/identify, /v1/batch — Segment's HTTP Tracking API (CONTRACT.md
 * v1.1 "Drop-in endpoints"): Basic auth with the ingest key as user; each message becomes a
 * ServerEvent (src/dropin/segment.ts) and the batch is written as `/v1/events` writes. Answers
 * `200 {"success": true}` plus the native counts; a bad message is rejected alone.
 */
function segmentRoute(call: SegmentCall) {
  return async (req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> => {
    const site = await requireBasicIngestKey(req, env);
    const body = await readJsonBody(req, call === "batch" ? SEGMENT_BATCH_MAX_BYTES : SEGMENT_EVENT_MAX_BYTES);
    const now = Date.now();
    const events: IndexedEvent[] = [];
    segmentMessages(call, body).forEach(({ type, message }, index) => {
      const checked = checkSegmentMessage(type, message, call === "batch" ? `batch.${index}.` : "", site.config, now);
      if (checked) events.push({ index, checked, sentName: type === "page" ? "pageview" : (message as { event?: unknown } | null)?.event });
    });
    const ingest = await ingestChecked(env.DB, site, events, "segment", now);
    afterServerIngest(env, ctx, site, ingest, now);
    return json({ success: true, ...ingest.answer });
  };
}

export const segmentTrack = segmentRoute("track");
export const segmentPage = segmentRoute("page");
export const segmentIdentify = segmentRoute("identify");
export const segmentBatch = segmentRoute("batch");
