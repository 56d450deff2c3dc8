/**
 * Private PostgreSQL and Redis servers that a test starts, stops and restarts itself,
 * on their own ports and data folders: never the shared ones on 5432/6379.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export interface PrivateServer {
  url: string;
  start(): void;
  stop(): void;
  destroy(): void;
}

function asPostgres(command: string, args: string[]): void {
  // PostgreSQL refuses to run as root; CI and this machine run tests as root.
  const result =
    process.getuid?.() === 0
      ? spawnSync("su", ["postgres", "-c", [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")], { encoding: "utf8" })
      : spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
}

/** Whether a private PostgreSQL can be made here (its server binaries are installed). */
export function postgresBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().at(-1);
  return version === undefined ? null : join(root, version, "bin");
}

export async function privatePostgres(): Promise<PrivateServer> {
  const bin = postgresBinaries();
  if (bin === null) throw new Error("PostgreSQL server binaries are not installed");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sessiond-pg-"));
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", dir]);
  asPostgres(join(bin, "initdb"), ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres"]);
  const server: PrivateServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () =>
      asPostgres(join(bin, "pg_ctl"), [
        "-D",
        join(dir, "data"),
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        "-l",
        join(dir, "server.log"),
        "-w",
        "start",
      ]),
    stop: () => asPostgres(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-m", "fast", "-w", "stop"]),
    destroy: () => {
      // Stop first: a PostgreSQL running on a deleted directory lingers until its own checks notice.
      try {
        asPostgres(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      spawnSync("rm", ["-rf", dir]);
    },
  };
  server.start();
  return server;
}

/** A private Redis with AOF `appendfsync always`, so an acknowledged write survives a restart. */
export async function privateRedis(): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sessiond-redis-"));
  chownSync(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  const server: PrivateServer = {
    url: `redis://127.0.0.1:${port}`,
    start: () => {
      execFileSync("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--daemonize",
        "yes",
        "--pidfile",
        join(dir, "redis.pid"),
        "--logfile",
        join(dir, "redis.log"),
      ]);
      for (let i = 0; i < 100; i++) {
        if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG") return;
        spawnSync("sleep", ["0.05"]);
      }
      throw new Error("private Redis did not start");
    },
    stop: () => void spawnSync("redis-cli", ["-p", String(port), "shutdown"]),
    destroy: () => {
      spawnSync("redis-cli", ["-p", String(port), "shutdown", "nosave"]);
      spawnSync("rm", ["-rf", dir]);
    },
  };
  server.start();
  return server;
}
