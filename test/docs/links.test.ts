/**
 * The documentation is checked like code: every relative link in README.md, SECURITY.md,
 * CHANGELOG.md and docs/ reaches an existing file (and heading, by GitHub's anchor rules), every
 * repository path the current documents name in a code span exists, and every SESSIOND_*
 * variable the documents name is a real setting, while every setting is documented in
 * docs/configuration.md. Fast, no services.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import GithubSlugger from "github-slugger";
import { ConfigSchema, envName } from "../../src/config.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const docsDir = join(root, "docs");
const docs = readdirSync(docsDir, { recursive: true, encoding: "utf8" })
  .filter((name) => name.endsWith(".md"))
  .map((name) => join(docsDir, name));
/** Every document whose links are checked. */
const linked = [...["README.md", "SECURITY.md", "CHANGELOG.md"].map((name) => join(root, name)), ...docs];
/** The documents that describe the current settings (the changelog may name past ones). */
const describing = [join(root, "README.md"), join(root, "SECURITY.md"), ...docs];
const CONFIGURATION = join(docsDir, "configuration.md");

const read = (path: string) => readFileSync(path, "utf8");
const show = (path: string) => relative(root, path);

/** The text outside fenced code blocks, line by line (code is not rendered as Markdown). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker !== undefined) fence = marker[0]!.repeat(marker.length);
    else if (fence && marker?.startsWith(fence)) fence = null;
    else if (fence === null) lines.push(line);
  }
  return lines;
}

/** Link targets: inline links and images, and reference definitions; code spans are not links. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const text = line.replace(/(`+)[^`]*?\1/g, "code");
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
    if (definition !== null) targets.push(definition[1]!);
  }
  return targets;
}

/** The anchors GitHub gives a document: one per heading (slugged, duplicates numbered) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      // GitHub slugs the rendered text: code spans keep their content, links their text.
      const rendered = heading
        .replace(/`([^`]*)`/g, "$1")
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "");
      anchors.add(slugger.slug(rendered));
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

/** What is wrong with one relative link of `from`, or null. External links are not followed. */
function brokenLink(from: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return null;
  const [pathPart = "", fragment] = target.split("#", 2);
  const path = pathPart === "" ? from : join(dirname(from), decodeURIComponent(pathPart));
  if (!existsSync(path)) return `${show(from)}: ${target} → no file ${show(path)}`;
  if (fragment === undefined || fragment === "") return null;
  if (statSync(path).isDirectory() || !path.endsWith(".md")) return `${show(from)}: ${target} → an anchor into a file that has none`;
  const anchor = decodeURIComponent(fragment).toLowerCase();
  return anchorsOf(read(path)).has(anchor) ? null : `${show(from)}: ${target} → no heading #${anchor} in ${show(path)}`;
}

/** The folders whose paths the documents name in code spans (`src/core/verify.ts`, `test/http/`). */
const PATH_ROOTS = ["src", "test", "bench", "scripts", "docs"];
const PATH_IN_SPAN = new RegExp(`(?:^|[\\s(=])((?:${PATH_ROOTS.join("|")})/[^\\s\`"'),;]*)`, "g");

/**
 * The repository paths named in code spans outside fenced code, in the order they appear. A
 * span may hold a command (`node --test test/x.test.ts`) and may wrap across lines of its
 * paragraph; a trailing `.` or `:` ends the sentence, not the path.
 */
function pathsIn(markdown: string): string[] {
  const paths: string[] = [];
  for (const paragraph of proseLines(markdown)
    .join("\n")
    .split(/\n\s*\n/)) {
    for (const span of paragraph.matchAll(/(`+)([^`][\s\S]*?)\1(?!`)/g)) {
      for (const m of span[2]!.replace(/\s+/g, " ").matchAll(PATH_IN_SPAN)) paths.push(m[1]!.replace(/[.:]+$/, ""));
    }
  }
  return paths;
}

/** Every file and folder under the path roots (folders with a trailing slash), relative to the root; no node_modules. */
function repositoryEntries(): string[] {
  const entries: string[] = [];
  const walk = (folder: string) => {
    entries.push(`${folder}/`);
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "node_modules") walk(`${folder}/${entry.name}`);
      else if (!entry.isDirectory()) entries.push(`${folder}/${entry.name}`);
    }
  };
  for (const top of PATH_ROOTS) walk(top);
  return entries;
}

/**
 * Whether a documented path exists. Placeholders are allowed where a path stands for several:
 * `<name>` is any one name (`src/stores/<backend>/sessions.ts`), `<a|b>` means each of a and b
 * (every one must exist), `*` is any part of a name and `…` any rest of a path; such a path
 * must match at least one entry. A path ending in `/` names a folder.
 */
function missingPath(path: string, entries: readonly string[]): string[] {
  const choice = /<([^<>/]*\|[^<>/]*)>/.exec(path);
  if (choice !== null) {
    return choice[1]!.split("|").flatMap((option) => missingPath(path.slice(0, choice.index) + option + path.slice(choice.index + choice[0].length), entries));
  }
  const pattern = path
    .split(/(<[^<>/]+>|\*|…)/)
    .map((part) => (part === "…" ? ".*" : part === "*" ? "[^/]*" : part.startsWith("<") ? "[^/]+" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const matcher = new RegExp(`^${pattern}${path.endsWith("/") ? "" : "/?"}$`);
  return entries.some((entry) => matcher.test(entry)) ? [] : [path];
}

/** Every SESSIOND_* variable a text names. A bare `SESSIOND_*` (the prefix itself) names none. */
function variablesIn(text: string): Set<string> {
  return new Set(text.match(/\bSESSIOND_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []);
}

/** Variables the test suite reads (SESSIOND_TEST_*), which are not server settings. */
const TEST_VARIABLE = /^SESSIOND_TEST_/;

function sourcesUnder(dir: string): string {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(ts|mjs|js)$/.test(name))
    .map((name) => read(join(root, dir, name)))
    .join("\n");
}

describe("documentation", () => {
  it("links only to files and headings that exist", () => {
    assert.ok(docs.length >= 10, "docs/ holds the documentation pages");
    const broken = linked.flatMap((file) => linkTargets(read(file)).map((target) => brokenLink(file, target)));
    assert.deepEqual(
      broken.filter((problem) => problem !== null),
      [],
    );
  });

  it("names in code spans only repository paths that exist", () => {
    const entries = repositoryEntries();
    const missing = describing.flatMap((file) => pathsIn(read(file)).flatMap((path) => missingPath(path, entries).map((gone) => `${show(file)}: ${gone}`)));
    assert.deepEqual(missing, []);
  });

  it("names only SESSIOND_* variables that are settings of the configuration schema", () => {
    const settings = new Set(Object.keys(ConfigSchema.properties).map(envName));
    const testSources = `${sourcesUnder("test")}\n${sourcesUnder("scripts")}`;
    const unknown: string[] = [];
    for (const file of describing) {
      for (const name of variablesIn(read(file))) {
        const real = TEST_VARIABLE.test(name) ? testSources.includes(name) : settings.has(name);
        if (!real) unknown.push(`${show(file)}: ${name}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it("documents every setting of the configuration schema in the table of docs/configuration.md", () => {
    const rows = proseLines(read(CONFIGURATION)).filter((line) => line.startsWith("| `SESSIOND_"));
    const documented = new Set(rows.map((row) => /^\| `(SESSIOND_[A-Z0-9_]+)`/.exec(row)![1]!));
    const missing = Object.keys(ConfigSchema.properties)
      .map(envName)
      .filter((name) => !documented.has(name));
    assert.deepEqual(missing, []);
  });
});

describe("documentation checks", () => {
  it("find links outside code, and GitHub's anchors for headings", () => {
    assert.deepEqual(linkTargets("see [a](b.md#c) and `[x](y)`\n```\n[z](w)\n```\n[ref]: ./r.md"), ["b.md#c", "./r.md"]);
    assert.deepEqual(
      [...anchorsOf("# The `sessiond/express` entry\n## Scale\n## Scale\n```\n# not a heading\n```")],
      ["the-sessiondexpress-entry", "scale", "scale-1"],
    );
  });

  it("report a missing file, a missing heading and an unknown variable", () => {
    const readme = join(root, "README.md");
    assert.match(brokenLink(readme, "docs/nowhere.md") ?? "", /no file docs\/nowhere\.md/);
    assert.match(brokenLink(readme, "docs/stores.md#no-such-heading") ?? "", /no heading #no-such-heading/);
    assert.equal(brokenLink(readme, "docs/stores.md#redis-key-layout"), null);
    assert.equal(brokenLink(readme, "https://example.com/x#y"), null);
    assert.deepEqual([...variablesIn("`SESSIOND_*` and SESSIOND_NO_SUCH=1")], ["SESSIOND_NO_SUCH"]);
  });

  it("find repository paths in code spans, also in commands and across a line break, not in fenced code", () => {
    const text =
      "Run `npm run build &&\nnode --test test/crash/kill-9.test.ts`; see `src/core/verify.ts`.\n`src/stores/<backend>/sessions.ts`, `npm ci`,\n```\nsrc/core/fenced.ts\n```\n`docs/`:";
    assert.deepEqual(pathsIn(text), ["test/crash/kill-9.test.ts", "src/core/verify.ts", "src/stores/<backend>/sessions.ts", "docs/"]);
  });

  it("report a made-up path, and each alternative or placeholder that matches nothing", () => {
    const entries = repositoryEntries();
    const missing = (path: string) => missingPath(path, entries);
    assert.deepEqual(missing("src/core/verify.ts"), []);
    assert.deepEqual(missing("src/core/made-up.ts"), ["src/core/made-up.ts"]);
    assert.deepEqual(missing("src/core/verify.ts/"), ["src/core/verify.ts/"], "a file is not a folder");
    assert.deepEqual(missing("test/conformance/"), []);
    assert.deepEqual(missing("src/stores/<backend>/sessions.ts"), []);
    assert.deepEqual(missing("src/stores/<backend>/made-up.ts"), ["src/stores/<backend>/made-up.ts"]);
    assert.deepEqual(missing("src/stores/<sqlite|redis|made-up>/"), ["src/stores/made-up/"]);
    assert.deepEqual(missing("src/…"), []);
  });
});
