import { env } from "cloudflare:workers";

/**
 * What the statements tests (statements.test.ts, statements-rest.test.ts) share: a D1 binding that
 * records every statement prepared through it, and the whitespace normalisation that lets a
 * readable multi-line statement be compared with the one-line text it replaced.
 */

/**
 * Layout only, never a token: whitespace runs become one space, and none is kept next to
 * punctuation or an operator (`a = ?1` and `a=?1`, `( SELECT` and `(SELECT` are the same statement).
 */
export function normalise(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/ ?([(),=<>!+*/|;-]) ?/g, "$1").trim();
}

/** One prepared statement: the step that prepared it, its normalised SQL and the values bound. */
export interface Recorded {
  name: string;
  sql: string;
  binds: unknown[];
}

/** The real D1 database, noting each statement prepared through it and the values bound. */
export function recording(into: Recorded[], name: () => string): D1Database {
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          const entry: Recorded = { name: name(), sql: normalise(sql), binds: [] };
          into.push(entry);
          const stmt = target.prepare(sql);
          return new Proxy(stmt, {
            get(s, p) {
              if (p === "bind") {
                return (...values: unknown[]) => {
                  entry.binds = values;
                  return s.bind(...values);
                };
              }
              const v = Reflect.get(s, p, s);
              return typeof v === "function" ? v.bind(s) : v;
            },
          });
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * A recording database and a `step` that names the statements prepared while it runs: the
 * statements tests call each function of a module under its name.
 */
export function recorder(): { out: Recorded[]; db: D1Database; step: (name: string, run: () => unknown) => Promise<void> } {
  const out: Recorded[] = [];
  let current = "";
  const db = recording(out, () => current);
  const step = async (name: string, run: () => unknown) => {
    current = name;
    await run();
  };
  return { out, db, step };
}
