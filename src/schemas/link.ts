import * as v from "valibot";
import { TOUCH_FIELD_MAX } from "../collect/touch";
import { objectSays, say, strictObject } from "./issues";

/** `POST /v1/links`: a tracked link's destination and campaign (CONTRACT.md "Collection"). */

export const DESTINATION_MAX = 2048;

const REQUIRED_DESTINATION = say("required", "`destination` is required: the URL the link leads to.");

/** A required text: trimmed, not empty, at most 200 characters. */
const text = (key: string) =>
  v.pipe(
    v.unknown(),
    v.check((x) => x !== undefined && x !== null, say("required", `\`${key}\` is required.`)),
    v.string(say("invalid_type", `\`${key}\` must be a string.`)),
    v.trim(),
    v.minLength(1, say("required", `\`${key}\` must not be empty.`)),
    v.maxLength(TOUCH_FIELD_MAX, say("too_long", `\`${key}\` is longer than ${TOUCH_FIELD_MAX} characters.`)),
  );
/** An optional text: blank (null, "", spaces) is none. */
const optText = (key: string) =>
  v.nullish(
    v.pipe(
      v.string(say("invalid_type", `\`${key}\` must be a string.`)),
      v.trim(),
      v.maxLength(TOUCH_FIELD_MAX, say("too_long", `\`${key}\` is longer than ${TOUCH_FIELD_MAX} characters.`)),
    ),
  );

/**
 * The link body. The destination's host is checked against the site's domains by
 * links/link.ts (it depends on the site), when the link is made and on every click.
 */
export const LinkBody = strictObject(
  {
    destination: v.pipe(
      v.unknown(),
      v.check((x) => typeof x === "string" && x.trim() !== "", REQUIRED_DESTINATION),
      v.string(REQUIRED_DESTINATION),
      v.trim(),
      v.maxLength(DESTINATION_MAX, say("too_long", `\`destination\` is longer than ${DESTINATION_MAX} characters.`)),
    ),
    source: text("source"),
    medium: text("medium"),
    campaign: text("campaign"),
    content: optText("content"),
    term: optText("term"),
  },
  objectSays(say("invalid_body", "Send the link as a JSON object."), { required: { destination: REQUIRED_DESTINATION } }),
);
export type LinkBodyInput = v.InferOutput<typeof LinkBody>;
