import { protectEventId } from "../collect/event-id";
import { checkServerEvent, type CheckedServerEvent } from "../collect/server";
import { writeEvents, type StoredEvent } from "../db/events";
import type { SiteRecord } from "../db/sites";
import * as v from "valibot";
import { isObject } from "../http/body";
import { HttpError, type Problem } from "../http/errors";
import { visitorFor } from "../privacy/visitor";
import { liveHit, type LiveHit, type LiveVia } from "../live/hit";
import { newMessageId } from "./message";
import { destinationsFor, type Stored } from "../forward/enqueue";
import type { TestEvent } from "./test-events";
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

/** What `/v1/events` did with a batch: its answer, and what the live view and forwarding take after it. */
export interface ServerIngest {
  answer: ServerAnswer;
  /** each event as the live test view shows it (built only when a session asks for it) */
  live: () => LiveHit[];
  /** valid test events: answered as accepted, never stored (src/ingest/test-events.ts) */
  tests: TestEvent[];
  /** the stored conversions (not duplicates) with what forwarding needs; consent.ad_user_data false is left out */
  forward: Stored[];
}

/**
 * `/v1/events`: checks each event on its own (a bad one never costs the good ones), then writes
 * the valid ones synchronously in one D1 round trip so the answer can count duplicates. Test
 * events are valid events that are answered as accepted and not written.
 */
export async function ingestServerEvents(db: D1Database, site: SiteRecord, body: unknown, now = Date.now()): Promise<ServerIngest> {
  // The batch's own problems are 400s (the request, not one event, is wrong).
  const r = v.safeParse(EventsBody, body, FIRST_ONLY);
  if (!r.success) {
    const p = problemOf(r.issues[0], "");
    throw new HttpError(400, p.code, p.message, p.field ?? "events");
  }
  const raws: unknown[] = r.output.events;
  return ingestChecked(db, site, raws.map((raw, index) => ({ index, checked: checkServerEvent(raw, index, site.config, now), sentName: isObject(raw) ? raw.name : undefined })), "server", now);
}

/** One checked event of a server batch, at `index` in its request. */
export interface IndexedEvent {
  index: number;
  checked: CheckedServerEvent;
  /** the name as sent, for the live view of an event whose name is wrong */
  sentName: unknown;
}

/**
 * The write step of every server path (`/v1/events` and Segment's, src/routes/segment.ts):
 * rejects the events with problems, hands test events off, and writes the valid ones
 * synchronously in one D1 round trip so the answer can count duplicates.
 */
export async function ingestChecked(db: D1Database, site: SiteRecord, events: readonly IndexedEvent[], via: LiveVia, now: number): Promise<ServerIngest> {
  const rejected: ServerAnswer["rejected"] = [];
  const tests: TestEvent[] = [];
  const valid: { index: number; item: Promise<StoredEvent> }[] = [];
  for (const { index, checked } of events) {
    const { event, problems, client, test, extras } = checked;
    if (!event || problems.length > 0) {
      rejected.push({ index, error: problems[0]! });
      continue;
    }
    if (test) {
      tests.push({ event, client, extras });
      continue;
    }
    const item = (async () => ({
      id: newMessageId(),
      event: {
        ...event,
        visitor: client ? await visitorFor(db, site.config, event.ts, client.ip, client.userAgent, now) : null,
        event_id: await protectEventId(site.secret, event.event_id),
      },
    }))();
    valid.push({ index, item });
  }
  const items = await Promise.all(valid.map((v) => v.item));
  const { duplicates } = await writeEvents(db, items);
  const duplicated = new Set(duplicates.map((i) => valid[i]!.index));
  const byIndex = new Map(events.map((e) => [e.index, e.checked]));
  const forward: Stored[] = [];
  items.forEach((item, i) => {
    const { index } = valid[i]!;
    const { event, client, extras } = byIndex.get(index)!;
    if (duplicated.has(index) || !event || extras.consent?.ad_user_data === false || destinationsFor(site, event.name).length === 0) return;
    forward.push({
      site,
      key: item.event.event_id ?? item.id,
      event: item.event,
      forward: { event_id: event.event_id, ip: client?.ip ?? null, user_agent: client?.userAgent ?? null, user: extras.user ?? null, click_ids: extras.click_ids ?? null, consent: extras.consent ?? null },
    });
  });
  return {
    answer: { accepted: items.length + tests.length - duplicates.length, duplicates: duplicates.length, rejected },
    live: () =>
      events.map(({ index, checked: { event, problems, test }, sentName }) =>
        liveHit(via, now, event, sentName, problems, { test, duplicate: duplicated.has(index) }),
      ),
    tests,
    forward,
  };
}
