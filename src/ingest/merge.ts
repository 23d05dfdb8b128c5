import type { CleanEvent } from "../collect/event";

/**
 * Two copies of one (site, event_id) within the dedup window are one event (CONTRACT.md
 * "Rules every collection path keeps", v1.1): the first copy stored wins and the later one is
 * answered as a duplicate, but the stored conversion keeps what only the other copy knew —
 * - the journey (or landing touch) of the copy that had one: a server copy without `touches`
 *   never turns a browser-attributed conversion into `direct`;
 * - the value and currency of the server copy where it has them (the advertiser's own
 *   figure beats what a page sent), else those of whichever copy had a value; between two
 *   copies from the same side the first copy's value stands (v1: the first copy wins).
 * The same rule is written in SQL for copies of different writes (db/events.ts MERGE_SQL);
 * this one merges copies that meet in one write (a queue batch).
 */

/** True when the copy can be attributed to something: a journey or its own landing touch. */
export function hasTouch(e: Pick<CleanEvent, "journey" | "touch_kind">): boolean {
  return (e.journey !== null && e.journey.length > 0) || e.touch_kind === "landing";
}

/** The stored copy `kept` after a later copy `later` of the same event arrived. Pure; `kept` is not changed. */
export function mergeCopies(kept: CleanEvent, later: CleanEvent): CleanEvent {
  const out = { ...kept };
  if (!hasTouch(kept) && hasTouch(later)) {
    out.journey = later.journey;
    out.touch_kind = later.touch_kind;
    out.source = later.source;
    out.medium = later.medium;
    out.campaign = later.campaign;
    out.content = later.content;
    out.term = later.term;
  }
  if (later.value !== null && ((later.via === "server" && kept.via !== "server") || kept.value === null)) {
    out.value = later.value;
    out.currency = later.currency;
  }
  return out;
}
