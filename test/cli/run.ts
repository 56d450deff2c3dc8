/** Runs the real `sessiond` CLI as a child process, and seeds the SQLite file it will open. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Clock } from "../../src/core/clock.js";
import type { Enricher } from "../../src/core/model.js";
import { createSessions, type Sessions } from "../../src/core/service.js";
import { type Runtime, openRuntime } from "../../src/server/runtime.js";
import { loadConfig, settingsOf } from "../../src/config.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
process.once("exit", () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MAIN = join(ROOT, "src/cli/main.ts");

/**
 * `sessiond <args>` with only the given SESSIOND_* variables: the caller's own
 * environment must not leak settings into the command under test. Runs in the
 * repository unless `cwd` names another directory; killed (code null) after `timeoutMs`,
 * so a command that should have stopped (e.g. `serve` on a bad store) cannot hang the run.
 */
export function sessiond(args: string[], env: Record<string, string> = {}, cwd = ROOT, timeoutMs = 60_000): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SESSIOND_")));
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], { cwd, env: { ...clean, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill(), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The parsed stdout of a run that must have succeeded; otherwise fails showing stderr. */
export function jsonOf<T = Record<string, unknown>>(run: Run): T {
  if (run.code !== 0) throw new Error(`sessiond exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-cli-"));
  dirs.push(dir);
  return dir;
}

/** A fresh SQLite store URL in its own temporary directory, removed when the test process exits. */
export function tempStore(): string {
  return `sqlite:${join(tempDir(), "s.db")}`;
}

/** Every seeded session comes from Berlin, so place columns have something to show. */
const berlin: Enricher = {
  describe: () => ({
    isMobile: false,
    browserName: "Firefox",
    browserVersion: "128.0",
    deviceType: "desktop",
    osName: "Linux",
    city: "Berlin",
    country: "DE",
    location: "Berlin, DE",
  }),
};

/**
 * Opens the store the CLI will use, in this process, runs `body`, and closes it before
 * any child opens the file. `sessions` creates at `clock` (default: now) with a Berlin enricher.
 */
export async function seed<T>(store: string, body: (sessions: Sessions, runtime: Runtime) => Promise<T>, clock?: Clock): Promise<T> {
  const runtime = await openRuntime(loadConfig({ env: { SESSIOND_STORE: store } }));
  try {
    const sessions = createSessions({ store: runtime.store, policy: settingsOf(runtime.config), enricher: berlin, ...(clock === undefined ? {} : { clock }) });
    return await body(sessions, runtime);
  } finally {
    await runtime.close();
  }
}

/** A well-formed session id that no store holds. */
export const UNKNOWN_SESSION_ID = `sess_${"0".repeat(30)}`;
/** A well-formed API key id that no store holds. */
export const UNKNOWN_KEY_ID = `sdk_${"0".repeat(26)}`;
