/** Starts the real `sessiond` binary as a child process and talks to it over TCP. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WireBody } from "../support/wire-body.js";

export const BIN = fileURLToPath(new URL("../../bin/sessiond.js", import.meta.url));

export interface Server {
  url: string;
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  request(method: string, path: string, key: string | null, body?: unknown): Promise<{ status: number; body: WireBody }>;
  stop(): Promise<void>;
}

/**
 * Runs `sessiond serve --port 0` in `cwd` with only `env` (plus PATH) and waits until it listens;
 * `asExecutable` runs bin/sessiond.js itself, through its `#!` line, as `npx sessiond` does;
 * `bin` is another copy of bin/sessiond.js (an installed package's).
 */
export async function startServer(cwd: string, env: Record<string, string> = {}, args: string[] = [], asExecutable = false, bin = BIN): Promise<Server> {
  const [command, argv] = asExecutable ? [bin, ["serve", "--port", "0", ...args]] : [process.execPath, [bin, "serve", "--port", "0", ...args]];
  const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (chunk) => (err += String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    let listening: string | undefined;
    // A generated root key is printed to stderr just before the listening line goes to stdout;
    // the two pipes are read independently, so wait for the key when the line says there is one.
    const settle = () => {
      if (listening === undefined) return;
      if (/"rootKeySource":"generated"/.test(out) && printedRootKey(err) === null) return;
      clearTimeout(timer);
      resolve(listening);
    };
    child.stderr!.on("data", settle);
    child.stdout!.on("data", (chunk) => {
      out += String(chunk);
      listening ??= /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      settle();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return {
    url,
    process: child,
    stdout: () => out,
    stderr: () => err,
    request: async (method, path, key, body) => {
      const response = await fetch(url + path, {
        method,
        headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The root key a first start printed to stderr. */
export function printedRootKey(stderr: string): string | null {
  return /\n\s+(sdk_[0-9a-z]{26}\.[A-Za-z0-9_-]{43})\n/.exec(stderr)?.[1] ?? null;
}
