import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/http/errors";
import { objectSays, parseFields, parseOrThrow, problemOf, say, strictObject } from "../../src/schemas/issues";

const Thing = strictObject(
  {
    name: v.pipe(v.string(say("invalid_name", "`{field}` is a string.")), v.minLength(1, say("too_short", "`{key}` is empty."))),
    list: v.optional(v.array(v.number(say("invalid_number", "`{field}` is a number.")), say("invalid_list", "`list` is an array."))),
  },
  objectSays(say("invalid_thing", "Send an object.")),
);

describe("valibot issues → the contract's {code, message, field}", () => {
  it("splits code and sentence and fills in the absolute field and its last key", () => {
    const r = parseFields(Thing, { name: "", list: [1, "x"] }, "things.2");
    expect(r.problems).toEqual([
      { code: "too_short", message: "`name` is empty.", field: "things.2.name" },
      { code: "invalid_number", message: "`things.2.list.1` is a number.", field: "things.2.list.1" },
    ]);
    expect([...r.bad]).toEqual(["name", "list"]);
  });

  it("reports a missing key as required and an unknown one as unknown_field, by default", () => {
    expect(parseFields(Thing, { extra: 1 }).problems).toEqual([
      { code: "required", message: "`name` is required.", field: "name" },
      { code: "unknown_field", message: "Unknown field `extra`.", field: "extra" },
    ]);
  });

  it("refuses arrays and non-objects as the object's own problem, without a field at the root", () => {
    for (const x of [[], "x", null, 5]) expect(parseFields(Thing, x).problems).toEqual([{ code: "invalid_thing", message: "Send an object." }]);
  });

  it("throws the first problem as a 422 HttpError", () => {
    expect(() => parseOrThrow(Thing, { name: 5 })).toThrow(HttpError);
    try {
      parseOrThrow(Thing, { name: 5 });
    } catch (e) {
      expect(e).toMatchObject({ status: 422, code: "invalid_name", message: "`name` is a string.", field: "name" });
    }
  });

  it("reports a schema written without `say` generically (code invalid) rather than hiding it", () => {
    const r = v.safeParse(v.object({ n: v.number() }), { n: "x" });
    expect(problemOf(r.issues![0]!)).toMatchObject({ code: "invalid", field: "n" });
  });
});
