import { protectEventId } from "../collect/event-id";
import { checkServerEvent } from "../collect/server";
import { writeEvents, type StoredEvent } from "../db/events";
import type { SiteRecord } from "../db/sites";
import { isObject } from "../http/body";
import { HttpError, type Problem } from "../http/errors";
import { visitorFor } from "../privacy/visitor";
import { newMessageId } from "./message";

/** Most events in one `/v1/events` call, and its largest body. */
export const SERVER_MAX_EVENTS = 500;
export const SERVER_MAX_BYTES = 1_000_000;

export interface ServerAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: Problem }[];
}

/**
 * `/v1/events`: checks each event on its own (a bad one never costs the good ones), then writes
 * the valid ones synchronously in one D1 round trip so the answer can count duplicates.
 */
export async function ingestServerEvents(db: D1Database, site: SiteRecord, body: unknown, now = Date.now()): Promise<ServerAnswer> {
  if (!isObject(body) || !Array.isArray(body.events)) {
    throw new HttpError(400, "invalid_body", 'Send {"events": [ServerEvent, …]}.', "events");
  }
  for (const k of Object.keys(body)) if (k !== "events") throw new HttpError(400, "unknown_field", `Unknown field \`${k}\`.`, k);
  if (body.events.length > SERVER_MAX_EVENTS) {
    throw new HttpError(400, "too_many_events", `Send at most ${SERVER_MAX_EVENTS} events per call; split larger batches.`, "events");
  }
  const rejected: ServerAnswer["rejected"] = [];
  const valid: Promise<StoredEvent>[] = [];
  body.events.forEach((raw, index) => {
    const { event, problems, client } = checkServerEvent(raw, index, site.config, now);
    if (!event || problems.length > 0) return void rejected.push({ index, error: problems[0]! });
    valid.push(
      (async () => ({
        id: newMessageId(),
        event: {
          ...event,
          visitor: client ? await visitorFor(db, site.config, event.ts, client.ip, client.userAgent, now) : null,
          event_id: await protectEventId(site.secret, event.event_id),
        },
      }))(),
    );
  });
  const items = await Promise.all(valid);
  const { duplicates } = await writeEvents(db, items);
  return { accepted: items.length - duplicates.length, duplicates: duplicates.length, rejected };
}
