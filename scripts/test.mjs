#!/usr/bin/env node
// The test suite, as `npm test` and CI run it: lint (Biome and the import boundaries; fails fast),
// type-check, build (system tests run the real binary), start the throw-away Redis Cluster unless
// it already runs, then every *.test.ts under src/ and test/; the cluster is stopped again at the
// end when this run started it, whether the tests pass, fail or the run is interrupted.
// PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are expected to be running; with
// CI=true a missing one fails its tests, elsewhere they are skipped loudly. Browser tests need
// Debian's Chromium: installed here with apt-get when missing (same rule when that fails).
//
//   node scripts/test.mjs                 the whole suite (`npm test`)
//   node scripts/test.mjs --unit          type-check and the fast tests (`npm run test:unit`): no service,
//                                         no browser, no build; about 45 s on 2 idle cores
//   node scripts/test.mjs <files…>        build, then only these files (no lint, no type-check)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, constants } from "node:os";
import { join } from "node:path";

/**
 * The fast set: pure functions, the in-process app on the memory store (test/http/harness.ts) and
 * static checks of the repository. Left out: the other stores (services or native files), the built
 * binary (test/cli, test/system, test/package, test/types, test/clerk), the browser, the crash
 * tests and the fuzzers (a minute on their own).
 */
const UNIT = [
  "src/",
  "test/architecture/",
  "test/docs/",
  "test/http/",
  "test/jwt/",
  "test/middleware/",
  "test/security/",
  "test/stores/memory.test.ts",
  "test/stores/flat-store.test.ts",
];
const NOT_UNIT = [
  "test/http/docs-browser.test.ts", // Chromium
  "test/http/revoke-reasons.test.ts", // the built CLI
];

const CLUSTER = "scripts/redis-cluster.sh";
const CHROMIUM = "/usr/bin/chromium";
const TSC = "node_modules/typescript/bin/tsc";
// Incremental: a second type-check of an unchanged tree takes ~3 s instead of ~13 s.
const TYPECHECK = [TSC, "-p", "tsconfig.json", "--noEmit", "--incremental", "--tsBuildInfoFile", "node_modules/.cache/sessiond/typecheck.tsbuildinfo"];

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out.sort();
}

// One child at a time; a signal to this script goes on to it, and the script exits once it has.
let child = null;
let interrupted = null;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = signal;
    if (child === null) process.exit(128 + constants.signals[signal]);
    child.kill(signal);
  });
}

/** Runs a step to its end; a failed or interrupted step ends the run with its exit code. */
async function run(command, args, options = {}) {
  const code = await new Promise((resolve) => {
    child = spawn(command, args, { stdio: "inherit", ...options });
    child.once("error", (error) => {
      process.stderr.write(`${command}: ${error.message}\n`);
      resolve(1);
    });
    child.once("exit", (exitCode, signal) => resolve(exitCode ?? 128 + (constants.signals[signal] ?? 0)));
  });
  child = null;
  if (interrupted !== null) process.exit(128 + constants.signals[interrupted]);
  if (code !== 0) process.exit(code);
}

// Stopped on every way out of this script (process.exit included) when this run started it.
let clusterStartedHere = false;
process.on("exit", () => {
  if (!clusterStartedHere) return;
  spawnSync("bash", [CLUSTER, "stop"], { stdio: "ignore" });
  process.stderr.write("stopped the Redis Cluster this run started\n");
});

function startCluster(env) {
  if (env.SESSIOND_TEST_REDIS_CLUSTER_URL !== undefined) return;
  const running = spawnSync("bash", [CLUSTER, "status"], { stdio: "ignore" }).status === 0;
  // Set before starting, so an interrupted start is cleaned up too (stop is idempotent).
  clusterStartedHere = !running;
  const cluster = spawnSync("bash", [CLUSTER, "start"], { encoding: "utf8" });
  if (interrupted !== null) process.exit(128 + constants.signals[interrupted]);
  if (cluster.status === 0) env.SESSIOND_TEST_REDIS_CLUSTER_URL = cluster.stdout.trim();
  else {
    process.stderr.write(`could not start the Redis Cluster: ${cluster.stderr}\n`);
    if (env.CI === "true") process.exit(1);
  }
}

// Browser tests (test/support/browser.ts) drive /usr/bin/chromium; nothing is downloaded but Debian's package.
function ensureChromium(files, env) {
  if (existsSync(CHROMIUM) || !files.some((file) => readFileSync(file, "utf8").includes("support/browser.js"))) return;
  process.stderr.write(`${CHROMIUM} is missing: installing Debian's chromium with apt-get\n`);
  const command = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium";
  const apt = spawnSync("bash", ["-c", command], { stdio: ["ignore", "ignore", "inherit"] });
  if (apt.status !== 0 || !existsSync(CHROMIUM)) {
    const outcome = env.CI === "true" ? "fail (CI=true)" : "are skipped";
    process.stderr.write(`\n*** could not install chromium (apt-get exited ${apt.status}): browser tests ${outcome}\n`);
    if (env.CI === "true") process.exit(1);
  }
}

const args = process.argv.slice(2);
const unit = args.includes("--unit");
const only = args.filter((arg) => arg !== "--unit");
const env = { ...process.env };

if (unit) {
  const files =
    only.length > 0 ? only : [...testFiles("src"), ...testFiles("test")].filter((file) => UNIT.some((p) => file.startsWith(p)) && !NOT_UNIT.includes(file));
  await run(process.execPath, TYPECHECK);
  // In-process and memory-only: safe to run side by side.
  const concurrency = String(Math.max(2, availableParallelism()));
  await run(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files], { env });
} else {
  const files = only.length > 0 ? only : [...testFiles("src"), ...testFiles("test")];
  if (only.length === 0) {
    await run("npm", ["run", "--silent", "lint"]);
    await run(process.execPath, TYPECHECK);
  }
  await run(process.execPath, [TSC, "-p", "tsconfig.build.json"]);
  startCluster(env);
  ensureChromium(files, env);
  await run(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files], { env });
}
