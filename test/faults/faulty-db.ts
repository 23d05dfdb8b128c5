/**
 * Fault injection for D1: a binding that behaves like the real one until its `failFrom`-th
 * query, then fails that one and every later one — what a Worker sees when D1 goes down, or
 * when the invocation is killed between two awaits (nothing after that point happens).
 * Statements stay the real D1 objects (only their query methods are wrapped), so batches of
 * them still go to the real database.
 */
export interface FaultyDb {
  db: D1Database;
  /** queries attempted so far (failed ones included) */
  calls(): number;
}

const QUERY_METHODS = ["first", "run", "all", "raw"] as const;

/** Wraps `real` so its `failFrom`-th query and every later one fail; by default nothing fails and it only counts. */
export function faultyDb(real: D1Database, failFrom = Number.POSITIVE_INFINITY): FaultyDb {
  let calls = 0;
  const gate = () => {
    calls++;
    if (calls >= failFrom) throw new Error(`D1 unavailable (injected fault at query ${calls})`);
  };
  const wrap = (s: D1PreparedStatement): D1PreparedStatement => {
    const bind: unknown = Reflect.get(s, "bind");
    if (typeof bind === "function") {
      Object.defineProperty(s, "bind", { value: (...values: unknown[]) => wrap(Reflect.apply(bind, s, values)), configurable: true });
    }
    for (const name of QUERY_METHODS) {
      const method: unknown = Reflect.get(s, name);
      if (typeof method !== "function") continue;
      Object.defineProperty(s, name, {
        value: async (...args: unknown[]) => {
          gate();
          return Reflect.apply(method, s, args);
        },
        configurable: true,
      });
    }
    return s;
  };
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          gate();
          return target.batch(stmts);
        };
      }
      if (prop === "exec") {
        return async (sql: string) => {
          gate();
          return target.exec(sql);
        };
      }
      const v: unknown = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db, calls: () => calls };
}

/** A D1 that is down: every query fails. */
export function downDb(real: D1Database): D1Database {
  return faultyDb(real, 1).db;
}
