/** Child servers: start on a free port, wait until they answer HTTP, measure their memory, stop them. */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onCleanup } from "./cleanup.js";

export const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));
export const ROOT_DIR = join(BENCH_DIR, "..");

/** Runs `node <args>` to its end and parses the JSON it prints; SIGTERM goes to it once `until` settles. */
export async function runJsonChild<T>(args: string[], cwd: string, until?: Promise<unknown>): Promise<T> {
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const stop = () => void child.kill("SIGTERM");
  until?.then(stop, stop);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`node ${args.join(" ").slice(0, 200)} failed (exit ${code})`);
  return JSON.parse(out) as T;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A value of /proc/<pid>/status in MB: VmHWM is the peak resident set since start, VmRSS the current one. */
export function procMemoryMb(pid: number, field: "VmHWM" | "VmRSS"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** This process's environment without sessiond settings: a server gets only the ones it is given. */
const inherited = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SESSIOND_")));

let peakResetFailed = false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Server {
  private exited: Promise<void>;
  private readonly removeCleanup: () => Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    this.removeCleanup = onCleanup(`server ${name}`, () => this.kill());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid!;
  }

  peakRssMb(): number {
    return procMemoryMb(this.child.pid!, "VmHWM");
  }

  /**
   * Starts a new peak: "5" to /proc/<pid>/clear_refs sets VmHWM to the current resident set
   * (Linux ≥ 4.0), so each load on a server that already ran one reports its own peak.
   */
  resetPeakRss(): void {
    try {
      writeFileSync(`/proc/${this.child.pid!}/clear_refs`, "5");
    } catch (error) {
      if (!peakResetFailed) process.stderr.write(`cannot reset peak RSS (${(error as Error).message}): peaks count from each server's start\n`);
      peakResetFailed = true;
    }
  }

  rssMb(): number {
    return procMemoryMb(this.child.pid!, "VmRSS");
  }

  log(): string {
    return readFileSync(this.logFile, "utf8");
  }

  /** Resolves once a line of the server's output matches (e.g. sessiond's "sweep" log line). */
  async waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(250)) {
      const line = this.log()
        .split("\n")
        .find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (!this.running) break;
    }
    throw new Error(`${this.name}: no output line matched ${pattern} (log: ${this.logFile})`);
  }

  private async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    await Promise.race([this.exited, sleep(15_000)]);
    if (this.running) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM (sessiond closes cleanly and writes a --cpu-prof profile), SIGKILL after 15 s. */
  stop(): Promise<void> {
    return this.removeCleanup();
  }
}

export interface StartOptions {
  name: string;
  /** The script, relative to the repository root. */
  script: string;
  args?: string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** The variable the server reads its port from. */
  portVariable?: string;
  /** A GET path that answers (any status) once the server is up. */
  readyPath: string;
  logDir: string;
}

export async function startServer(o: StartOptions): Promise<Server> {
  const port = await freePort();
  const logFile = join(o.logDir, `${o.name.replace(/[^a-z0-9.-]+/gi, "_")}-${port}.log`);
  const fd = openSync(logFile, "w");
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), join(ROOT_DIR, o.script), ...(o.args ?? [])], {
    cwd: o.logDir,
    env: { ...inherited(), NODE_ENV: "production", ...o.env, [o.portVariable ?? "BENCH_PORT"]: String(port) },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const server = new Server(o.name, child, port, logFile);
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(100)) {
    if (!server.running) break;
    const answered = await fetch(server.url + o.readyPath).then(
      (r) => r.arrayBuffer().then(() => true),
      () => false,
    );
    if (answered) return server;
  }
  await server.stop();
  throw new Error(`${o.name} did not start; its output:\n${server.log().slice(-2000)}`);
}
