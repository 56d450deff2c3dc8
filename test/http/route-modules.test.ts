/** The shape of the REST edge: route modules stand alone, hold no store, set no status, and map optional fields one way. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Every non-test TypeScript file under `dir`, with its text. */
function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => ({ path: relative(root, join(root, dir, name)), text: readFileSync(join(root, dir, name), "utf8") }));
}

const importsOf = (text: string) => [...text.matchAll(/^import [^;]*? from "([^"]+)";/gms)].map((m) => m[1]!);

describe("the REST edge's modules", () => {
  it("route modules declare their own deps: none imports app.ts, so app.ts and the routes do not import each other", () => {
    const routes = sources("src/http/routes");
    assert.ok(routes.length > 0);
    for (const { path, text } of routes)
      assert.deepEqual(
        importsOf(text).filter((spec) => /(^|\/)app\.js$/.test(spec)),
        [],
        path,
      );
  });

  it("nothing under src/http imports a store or reaches through the service into one", () => {
    for (const { path, text } of sources("src/http")) {
      assert.deepEqual(
        importsOf(text).filter((spec) => spec.includes("/stores/")),
        [],
        path,
      );
      assert.doesNotMatch(text, /\.store\b/, path);
    }
  });

  it("routes set no status: errors take theirs from the one registry", () => {
    for (const { path, text } of sources("src/http/routes")) assert.doesNotMatch(text, /\.(code|status)\(/, path);
  });

  it("optional fields are passed on with definedOnly, not hand-written `x === undefined ? {} : { x }` spreads", () => {
    const spreads = ["src/http", "src/cli", "src/middleware", "src/server"]
      .flatMap(sources)
      .flatMap(({ path, text }) => [...text.matchAll(/\.\.\.\(\s*[\w.?[\]"]+\s*===\s*undefined\s*\?\s*\{\s*\}\s*:/g)].map(() => path));
    assert.deepEqual(spreads, []);
  });
});
