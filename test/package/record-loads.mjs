/**
 * `node --import ./record-loads.mjs …`: records every npm package the process loads, so a test
 * can see what an import costs. ES modules are seen by a resolve hook (in-thread
 * `registerHooks` where Node has it, else `register`); CommonJS ones, which Node 20 loads
 * without asking the ESM hooks, by the require cache. `globalThis.loadedPackages()` answers.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

let logPath;

function record(url) {
  appendFileSync(logPath, `${url}\n`);
}

/** Hooks thread of `module.register`: record, after Node has resolved it, what each import is. */
export function initialize(data) {
  logPath = data.logPath;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  record(resolved.url);
  return resolved;
}

/** The package a file belongs to: the name after its last node_modules/. */
function packageOf(path) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(decodeURIComponent(path));
  return match?.[1] ?? null;
}

if (isMainThread) {
  logPath = join(tmpdir(), `sessiond-loads-${process.pid}.log`);
  writeFileSync(logPath, "");
  if (typeof nodeModule.registerHooks === "function") {
    // Node ≥ 22.15: synchronous hooks in this thread, which see require() as well as import.
    nodeModule.registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        record(resolved.url);
        return resolved;
      },
    });
  } else {
    nodeModule.register(import.meta.url, { data: { logPath } });
  }
  const require = nodeModule.createRequire(import.meta.url);
  globalThis.loadedPackages = () => {
    const files = [...readFileSync(logPath, "utf8").split("\n"), ...Object.keys(require.cache)];
    return [...new Set(files.map(packageOf).filter((name) => name !== null))].sort();
  };
}
