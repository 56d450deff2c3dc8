#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=50
// The `sessiond` command: runs the compiled CLI (built by `npm install` / `npm run build`).
// Two V8 heap settings keep `sessiond serve` small under load (docs/operations.md#memory):
// - A 4 MB young generation (V8's default is 16) keeps it about 25 MB smaller at steady load
//   for no measurable throughput: a request's garbage dies young either way.
// - The old generation may grow by half its live size before a full collection, instead of
//   V8's up to 4×. Requests in flight during a young collection (many on Redis) get promoted and
//   die there: at 50 connections a ~45 MB live heap grew to ~170 MB, mostly garbage. At 50 % the
//   Redis peak fell from 197–215 MB to 125–135 MB. The price is more full collections: ~0.25 per
//   1,000 verifies on Redis at ~60 ms CPU each (~15 µs a verify), ~0.04 on SQLite (~3 µs).
// Only the second can be set once Node runs, so `node bin/sessiond.js` gets it below too;
// `node --heap-growing-percent=<n> bin/sessiond.js` chooses otherwise (NODE_OPTIONS cannot carry it).
import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

const HEAP_GROWING = "--heap-growing-percent=50";
if (!process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag))) setFlagsFromString(HEAP_GROWING);

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("sessiond: dist/ is missing; run `npm run build` (npm install does it for you)");
  process.exit(70);
}
await import(main.href);
