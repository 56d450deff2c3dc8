#!/usr/bin/env node
// The `sessiond` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import { existsSync } from "node:fs";
const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("sessiond: dist/ is missing; run `npm run build` (npm install does it for you)");
  process.exit(70);
}
await import(main.href);
