#!/usr/bin/env node
// The whole test suite, as `npm test` and CI run it: type-check, then every
// *.test.ts under src/ and test/ through node's own test runner.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out.sort();
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const only = process.argv.slice(2);
const tsc = "node_modules/typescript/bin/tsc";
if (only.length === 0) run(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"]);
// System tests run the real `sessiond` binary, which runs the compiled dist/.
run(process.execPath, [tsc, "-p", "tsconfig.build.json"]);
const files = only.length > 0 ? only : [...testFiles("src"), ...testFiles("test")];
run(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files]);
