// A fresh `npm install` must leave the tree clean (issue 9.16): npm rewrites package-lock.json's
// root entry whenever it differs from package.json in the fields it copies there.
import { describe, expect, it } from "vitest";
import lockText from "../../package-lock.json?raw";
import pkgText from "../../package.json?raw";

const pkg = JSON.parse(pkgText) as Record<string, unknown>;
const lock = JSON.parse(lockText) as { name: string; version: string; packages: Record<string, Record<string, unknown>> };

describe("package-lock.json", () => {
  it("has the root entry npm would write for package.json (name, version, license, engines, dependencies)", () => {
    const root = lock.packages[""]!;
    expect([lock.name, lock.version]).toEqual([pkg.name, pkg.version]);
    for (const field of ["name", "version", "license", "engines", "dependencies", "devDependencies"]) {
      expect(root[field], field).toEqual(pkg[field]);
    }
  });
});
