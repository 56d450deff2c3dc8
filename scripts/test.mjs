#!/usr/bin/env node
// The whole test suite, as `npm test` and CI run it: type-check, build (system tests run the
// real binary), start the throw-away Redis Cluster, then every *.test.ts under src/ and test/.
// PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are expected to be running; with
// CI=true a missing one fails its tests, elsewhere they are skipped loudly. Browser tests need
// Debian's Chromium: installed here with apt-get when missing (same rule when that fails).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
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

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result;
}

const only = process.argv.slice(2);
const tsc = "node_modules/typescript/bin/tsc";
if (only.length === 0) run(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"]);
run(process.execPath, [tsc, "-p", "tsconfig.build.json"]);

const env = { ...process.env };
if (env.SESSIOND_TEST_REDIS_CLUSTER_URL === undefined) {
  const cluster = spawnSync("bash", ["scripts/redis-cluster.sh", "start"], { encoding: "utf8" });
  if (cluster.status === 0) env.SESSIOND_TEST_REDIS_CLUSTER_URL = cluster.stdout.trim();
  else {
    process.stderr.write(`could not start the Redis Cluster: ${cluster.stderr}\n`);
    if (env.CI === "true") process.exit(1);
  }
}

const files = only.length > 0 ? only : [...testFiles("src"), ...testFiles("test")];

// Browser tests (test/support/browser.ts) drive /usr/bin/chromium; nothing is downloaded but Debian's package.
const CHROMIUM = "/usr/bin/chromium";
const needsBrowser = files.some((file) => readFileSync(file, "utf8").includes("support/browser.js"));
if (needsBrowser && !existsSync(CHROMIUM)) {
  process.stderr.write(`${CHROMIUM} is missing: installing Debian's chromium with apt-get\n`);
  const apt = spawnSync("bash", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (apt.status !== 0 || !existsSync(CHROMIUM)) {
    process.stderr.write(
      `\n*** could not install chromium (apt-get exited ${apt.status}): browser tests ${env.CI === "true" ? "fail (CI=true)" : "are skipped"}\n`,
    );
    if (env.CI === "true") process.exit(1);
  }
}
run(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files], { env });
