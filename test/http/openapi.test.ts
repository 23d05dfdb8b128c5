import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/openapi";
import { router } from "../../src/router";
import { call } from "../helpers/http";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, unknown>; parameters?: { name: string; in: string }[] }>>;
  components: { schemas: Record<string, unknown> };
}

/**
 * "GET /l/{code}" for every route of the router's table, except the catch-all. A collection path
 * under a prefix (`/:prefix/p.gif`, CONTRACT.md v1.1) is the same operation as its root path.
 */
function routerRoutes(): string[] {
  const routes = router.routes
    .filter(([method, , , path]) => method !== "ALL" && path !== undefined && path !== "*")
    .map(([method, , , path]) => `${method.toUpperCase()} ${path!.replace(/^\/:prefix\//, "/").replace(/:(\w+)/g, "{$1}")}`);
  return [...new Set(routes)].sort();
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document served as JSON", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
  });

  it("describes exactly the routes of src/router.ts, no more, no fewer", async () => {
    const doc = (await (await call("/openapi.json")).json()) as Doc;
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const routes = routerRoutes();
    expect(routes.length).toBeGreaterThan(10);
    expect(documented).toEqual(routes);
  });

  it("gives every operation responses, declares its path parameters, and resolves every $ref", async () => {
    const text = await (await call("/openapi.json")).text();
    const doc = JSON.parse(text) as Doc;
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
        expect((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name), `${method} ${path}`).toEqual(names);
      }
    }
    for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas, name).toHaveProperty(name!);
  });

  it("serves exactly what src/openapi.ts builds (public/openapi.json, built by npm run build:openapi)", async () => {
    const served = await (await call("/openapi.json")).json();
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });

  it("answers plain JSON even to clients that accept gzip (the platform compresses per client)", async () => {
    const res = await call("/openapi.json", { headers: { "accept-encoding": "gzip, br" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});
