import * as v from "valibot";
import { HttpError, invalid, type Problem } from "../http/errors";

/**
 * How a schema's failures become the contract's `{code, message, field}`. Every schema and action
 * of src/schemas/ is given its message as `say(code, text)`: the code and the sentence travel
 * together in valibot's issue message, and `problemOf` splits them again. A text may name
 * `{field}` (the absolute path, known only once the issue has bubbled up to the input's root)
 * and `{key}` (the last step of that path).
 */

const SEP = "\u0000";

/** A schema message: the error code and the sentence a person reads. */
export const say = (code: string, text: string): string => code + SEP + text;

/** Valibot's issue type for any schema of this folder. */
export type Issue = v.BaseIssue<unknown>;

/**
 * The message of an object schema: not an object → `type`; a required key missing → `required`
 * (default: code `required`, "`name` is required."); an unknown key → `unknown_field`.
 * `unknown` may say `{field}` (sites name the whole path) or `{key}` (the others).
 */
export function objectSays(type: string, opts: { required?: string | Record<string, string>; unknown?: string } = {}): (issue: Issue) => string {
  return (issue) => {
    if (issue.expected === "never") return opts.unknown ?? say("unknown_field", "Unknown field `{key}`.");
    if (issue.expected?.startsWith('"')) {
      const key = String((issue.path?.[0] as { key?: unknown } | undefined)?.key);
      const r = opts.required;
      return (typeof r === "string" ? r : r?.[key]) ?? say("required", "`{key}` is required.");
    }
    return type;
  };
}

/** Parse options of every schema here: one problem per field (the first), as the hand validators did. */
export const FIRST_PER_FIELD = { abortPipeEarly: true } as const;
/** Stop at the first problem: the bodies that answer one error. */
export const FIRST_ONLY = { abortEarly: true, abortPipeEarly: true } as const;

/** The contract's problem for one issue, its field prefixed with `prefix` (`events.3`). */
export function problemOf(issue: Issue, prefix = ""): Problem {
  const keys = (issue.path ?? []).map((p) => String((p as { key: unknown }).key));
  const field = prefix === "" ? keys.join(".") : [prefix, ...keys].join(".");
  const at = issue.message.indexOf(SEP);
  // A message without a code is a schema written without `say`: a bug, reported generically rather than hidden.
  const code = at < 0 ? "invalid" : issue.message.slice(0, at);
  const text = (at < 0 ? issue.message : issue.message.slice(at + 1)).replaceAll("{field}", field).replaceAll("{key}", keys.at(-1) ?? field);
  return field === "" ? { code, message: text } : { code, message: text, field };
}

/** The 422 HttpError for a problem. */
export function errorOf(p: Problem): HttpError {
  return invalid(p.code, p.message, p.field);
}

/** Parses `input` with `schema`, answering the clean value or throwing the first problem as a 422. */
export function parseOrThrow<S extends v.GenericSchema>(schema: S, input: unknown, prefix = ""): v.InferOutput<S> {
  const r = v.safeParse(schema, input, FIRST_ONLY);
  if (r.success) return r.output;
  throw errorOf(problemOf(r.issues[0], prefix));
}

/**
 * Parses an object field by field: the value (whatever parsed), the problems (the first of each
 * top-level field) and which top-level keys failed, so the caller can fall back for those only
 * and one bad field never hides another.
 */
export function parseFields<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  prefix = "",
): { value: Partial<v.InferOutput<S>>; problems: Problem[]; bad: Set<string> } {
  const r = v.safeParse(schema, input, FIRST_PER_FIELD);
  if (r.success) return { value: r.output as Partial<v.InferOutput<S>>, problems: [], bad: new Set() };
  const problems: Problem[] = [];
  const bad = new Set<string>();
  for (const issue of r.issues) {
    const top = issue.path?.[0] ? String((issue.path[0] as { key: unknown }).key) : "";
    if (bad.has(top)) continue;
    bad.add(top);
    problems.push(problemOf(issue, prefix));
  }
  const value = (typeof r.output === "object" && r.output !== null ? r.output : {}) as Partial<v.InferOutput<S>>;
  return { value, problems, bad };
}

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * A JSON object and nothing else: valibot's object schemas take an array for an object (its
 * keys are indices), the contract does not. `message` as for `v.strictObject` (`objectSays`).
 */
export function strictObject<E extends v.ObjectEntries>(entries: E, message: (issue: Issue) => string) {
  return v.pipe(v.custom<Record<string, unknown>>(isPlainObject, message), v.strictObject(entries, message));
}

/** A JSON object used as a map (`aliases`), not an array. */
export function record<K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V, message: string) {
  return v.pipe(v.custom<Record<string, unknown>>(isPlainObject, message), v.record(key, value, message));
}
