import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import schemaSql from "../../schema.sql?raw";

interface MasterRow {
  type: string;
  name: string;
  sql: string | null;
}

const norm = (sql: string | null) => (sql ?? "").replace(/--[^\n]*/g, "").replace(/\s+/g, " ").trim();

async function objects(db: D1Database): Promise<Record<string, string>> {
  const { results } = await db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name`)
    .all<MasterRow>();
  return Object.fromEntries(results.map((r) => [`${r.type}:${r.name}`, norm(r.sql)]));
}

describe("schema.sql", () => {
  it("is exactly what the migrations build", async () => {
    const migrated = await objects(env.DB);
    // Build schema.sql into a scratch namespace: rename every object, then compare.
    const statements = schemaSql
      .replace(/--[^\n]*/g, "")
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean);
    const names = Object.keys(migrated).map((k) => k.split(":")[1]!);
    const rename = (s: string) => names.reduce((acc, n) => acc.replace(new RegExp(`\\b${n}\\b`, "g"), `snap_${n}`), s);
    await env.DB.batch(statements.map((s) => env.DB.prepare(rename(s))));
    const all = await objects(env.DB);
    const snap: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) {
      if (k.includes(":snap_")) snap[k.replace(":snap_", ":")] = v.replace(/\bsnap_/g, "");
    }
    expect(Object.keys(migrated).length).toBeGreaterThan(5);
    expect(snap).toEqual(migrated);
  });
});
