#!/usr/bin/env -S node --max-semi-space-size=4
// The `sessiond` command: runs the compiled CLI (built by `npm install` / `npm run build`).
// A 4 MB young generation (V8's default is 16) keeps `sessiond serve` about 25 MB smaller at
// steady load for no measurable throughput: a request's garbage dies young either way. Running
// `node bin/sessiond.js` directly skips this line; NODE_OPTIONS cannot undo it.
import { existsSync } from "node:fs";
const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("sessiond: dist/ is missing; run `npm run build` (npm install does it for you)");
  process.exit(70);
}
await import(main.href);
