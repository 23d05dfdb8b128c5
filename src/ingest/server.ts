import { protectEventId } from "../collect/event-id";
import { checkServerEvent } from "../collect/server";
import { writeEvents, type StoredEvent } from "../db/events";
import type { SiteRecord } from "../db/sites";
import * as v from "valibot";
import { HttpError, type Problem } from "../http/errors";
import { visitorFor } from "../privacy/visitor";
import { newMessageId } from "./message";
import { EventsBody, SERVER_MAX_EVENTS } from "../schemas/server-event";
import { FIRST_ONLY, problemOf } from "../schemas/issues";

/** Most events in one `/v1/events` call (src/schemas/server-event.ts), and its largest body. */
export { SERVER_MAX_EVENTS };
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
  // The batch's own problems are 400s (the request, not one event, is wrong).
  const r = v.safeParse(EventsBody, body, FIRST_ONLY);
  if (!r.success) {
    const p = problemOf(r.issues[0], "");
    throw new HttpError(400, p.code, p.message, p.field ?? "events");
  }
  const events = r.output.events;
  const rejected: ServerAnswer["rejected"] = [];
  const valid: Promise<StoredEvent>[] = [];
  events.forEach((raw, index) => {
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
