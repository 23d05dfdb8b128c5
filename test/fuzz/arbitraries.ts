/**
 * Generators of hostile input for the fuzz suite: JSON texts that JSON.stringify cannot write
 * (1e999, lone surrogate escapes, duplicate keys), broken JSON, absurd dates, huge and unicode
 * strings, wrong content types, and query strings with malformed percent-escapes.
 */
import fc from "fast-check";

/** A JSON fragment written verbatim. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object written key by key, so the same key may appear twice. */
export class Dup {
  constructor(readonly entries: [string, Json][]) {}
}

export type Json = null | boolean | number | string | Raw | Dup | Json[] | { [k: string]: Json };

/** Serialises a Json value; Raw fragments go in as they are. */
export function toText(v: Json): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof Dup) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toText(x)}`).join(",")}}`;
  if (Array.isArray(v)) return `[${v.map(toText).join(",")}]`;
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "null" : v > 0 ? "1e999" : "-1e999";
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toText(x)}`).join(",")}}`;
  return JSON.stringify(v);
}

/** Numbers JSON texts can hold but JavaScript code rarely expects. */
export const rawNumbers = fc.constantFrom(
  new Raw("1e999"),
  new Raw("-1e999"),
  new Raw("1e-999"),
  new Raw("-0"),
  new Raw("123456789012345678901234567890"),
  new Raw("0.1e+400"),
  new Raw("4.9e-324"),
);

/** String escapes that decode to lone surrogates or control characters. */
export const rawStrings = fc.constantFrom(
  new Raw('"\\ud800"'),
  new Raw('"\\udfff"'),
  new Raw('"a\\ud83db"'),
  new Raw('"\\u0000"'),
  new Raw('"\\u202e\\u0000\\ufeff"'),
);

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings: ASCII, any unicode, lone surrogates, control characters, or very long. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom("\u0000", "\n", "\r", "\t", "\u2028", "é", "🦄")), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "   x   ", "null", "undefined", "NaN", "(none)", "direct", "__proto__", "constructor", "%", "%zz", "../..", "=1+1", "<script>", "DROP TABLE events;--") },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 5000 }).map((n) => "ü".repeat(n)) },
);

/** Times that are wrong in every way a time can be. */
export const weirdTime: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    -1, 0, 1e11, 1e20, 1.7e12, 9_007_199_254_740_993, 0.5,
    "2026-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "+275760-09-13T00:00:00Z",
    "-271821-04-20T00:00:00Z", "2026-11-29", "2026-11-29T25:61:61Z", "yesterday", "", "1970-01-01T00:00:00Z",
    "2026-11-29T12:00:00+14:00", "2026-11-29T12:00:00.123456789Z", "1795900000",
  ),
  rawNumbers,
  fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }),
);

/** A leaf of any type, biased to the values validators get wrong. */
export const weirdLeaf: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: weirdString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2 ** 53 + 1, 1e308, -1e308)) },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}) },
  { weight: 1, arbitrary: rawNumbers },
  { weight: 1, arbitrary: rawStrings },
  { weight: 1, arbitrary: weirdTime },
);

/** Any JSON value, nested a little. */
export const weirdValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    weirdLeaf,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(weirdString, tie("v"), { maxKeys: 4 }),
  ),
})).v;

/**
 * An object with a random subset of `keys` (plus, sometimes, unknown keys), each holding either
 * a plausible value from `plausible` or something hostile; sometimes with a key written twice.
 */
export function fieldsObject(keys: readonly string[], plausible: Partial<Record<string, fc.Arbitrary<Json>>> = {}): fc.Arbitrary<Json> {
  const valueFor = (k: string) => {
    const own = Object.hasOwn(plausible, k) ? plausible[k] : undefined;
    return own ? fc.oneof(own, weirdValue) : weirdValue;
  };
  const record: fc.Arbitrary<{ [k: string]: Json }> = fc
    .record(Object.fromEntries(keys.map((k) => [k, valueFor(k)])), { requiredKeys: [] })
    .map((o) => Object.fromEntries(Object.entries(o).filter((e): e is [string, Json] => e[1] !== undefined)));
  return fc.oneof(
    { weight: 4, arbitrary: record },
    {
      weight: 1,
      arbitrary: fc.tuple(record, fc.dictionary(weirdString, weirdValue, { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(record, fc.constantFrom(...keys), valueFor(keys[0]!)).map(
        ([a, k, v]) => new Dup([...Object.entries(a), [k, v]]),
      ),
    },
  );
}

/** Texts that are not JSON at all, or JSON cut short. */
export const brokenJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "", " ", "{", "}", "[", "]", "{]", '{"a":}', '{"a" 1}', "{'a':1}", "NaN", "Infinity", "undefined", "-", "01", "1.", ".5",
    '{"a":1,}', "[1,]", '"unterminated', "\u0000", "\ufeff{}", "{}{}", "[][]", "nul", "tru", '{"a":1}garbage', "[".repeat(5000), "/* */ {}",
  ),
  fc.tuple(weirdValue, fc.nat()).map(([v, cut]) => {
    const text = toText(v);
    return text.length > 1 ? text.slice(0, 1 + (cut % (text.length - 1))) : "{";
  }),
  fc.string({ unit: "binary", maxLength: 60 }),
);

/** Content types a client might send, right and wrong. */
export const contentType = fc.constantFrom<string | null>(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "APPLICATION/JSON",
  "application/ld+json",
  "multipart/form-data; boundary=x",
  "application/xml",
  "image/gif",
  "application/json; charset=utf-16",
  "",
  null,
);

/** A request body text: JSON of a shaped object or array, any JSON, or broken JSON. */
export function bodyText(shaped: fc.Arbitrary<Json>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: shaped.map(toText) },
    { weight: 1, arbitrary: weirdValue.map(toText) },
    { weight: 1, arbitrary: brokenJson },
  );
}

// encodeURIComponent throws on lone surrogates; a fuzzer must not, so they become the (invalid)
// UTF-8 bytes a careless client would send.
function encodeLoose(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s.replace(/[\s\S]/g, (ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        return "%ED%A0%80";
      }
    });
  }
}

/** Percent-escapes that are malformed or decode to surprises. */
const rawEscapes = fc.constantFrom("%", "%zz", "%E0%A4%A", "%ED%A0%80", "%00", "%C0%AF", "%2F", "%2e%2e%2f", "%252F", "%FF%FE", "+", "&&", "==", "%0d%0a");

/** A query string (without `?`) mixing `known` keys and random ones, repeated keys and broken escapes. */
export function queryString(known: readonly string[], plausible: Partial<Record<string, fc.Arbitrary<string>>> = {}): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: weirdString });
  const pair = key.chain((k) => {
    const own = Object.hasOwn(plausible, k) ? plausible[k] : undefined;
    const value = own ? fc.oneof(own, weirdString) : weirdString;
    return fc.oneof(
      { weight: 5, arbitrary: value.map((v) => `${encodeLoose(k)}=${encodeLoose(v)}`) },
      { weight: 1, arbitrary: fc.tuple(value, rawEscapes).map(([v, e]) => `${encodeLoose(k)}=${encodeLoose(v)}${e}`) },
      { weight: 1, arbitrary: fc.constant(encodeLoose(k)) },
    );
  });
  return fc.array(pair, { maxLength: 10 }).map((pairs) => pairs.join("&"));
}

/** Days in `YYYY-MM-DD` and things that look almost like one. */
export const weirdDay: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "2026-11-01", "2026-11-28", "2026-02-29", "2024-02-29", "2026-13-01", "2026-00-10", "0000-00-00", "9999-12-31", "99999-01-01",
    "2026-1-1", "2026-11-01T00:00:00Z", "", "1970-01-01", "2026/11/01", "-2026-11-01", "2026-11-01 ", "２０２６-11-01",
  ),
  fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
