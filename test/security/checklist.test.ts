/** SECURITY.md maps each requirement to code and a test: every file it names must exist, and every test name it quotes too. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";

const root = new URL("../../", import.meta.url);
const checklist = readFileSync(new URL("SECURITY.md", root), "utf8");

describe("SECURITY.md", () => {
  it("names only files that exist", () => {
    const paths = [...checklist.matchAll(/`((?:src|test)\/[\w./-]+\.ts)`/g)].map((m) => m[1]!);
    assert.ok(paths.length > 20);
    for (const path of new Set(paths)) assert.ok(existsSync(new URL(path, root)), path);
  });

  it("quotes test names that are in the files it names", () => {
    for (const row of checklist.split("\n").filter((line) => line.startsWith("|"))) {
      for (const [, path, quoted] of row.matchAll(/`((?:src|test)\/[\w./-]+\.test\.ts|test\/conformance\/[\w/-]+\.ts)` "([^"]+)"/g)) {
        const source = readFileSync(new URL(path!, root), "utf8");
        const name = quoted!.replace(/…$/, "");
        assert.ok(source.includes(name), `${path} has no test "${name}"`);
      }
    }
  });
});
