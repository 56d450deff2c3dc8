/**
 * Crashing the private database servers of test/support/private-services.ts the hard way:
 * no shutdown, no final flush; the next start recovers from what reached the disk.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { postgresBinaries } from "../support/private-services.js";

/** Runs a command without blocking the event loop, so the load goes on meanwhile. */
async function run(command: string, args: string[]): Promise<string> {
  return (await promisify(execFile)(command, args, { encoding: "utf8" })).stdout;
}

/** A crash made ready in advance, so that it lands at once, in the middle of a load. */
export type Crash = () => Promise<void>;

/**
 * `pg_ctl stop -m immediate`: every PostgreSQL process quits at once, without a checkpoint;
 * the next start replays the WAL.
 */
export async function postgresCrash(url: string): Promise<Crash> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const dataDir = (await client.query<{ data_directory: string }>("SHOW data_directory")).rows[0]!.data_directory;
  await client.end();
  const pgCtl = [join(postgresBinaries()!, "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"];
  const quoted = pgCtl.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  // PostgreSQL refuses to run as root; so does pg_ctl.
  const asRoot = process.getuid?.() === 0;
  return async () => void (await run(asRoot ? "su" : pgCtl[0]!, asRoot ? ["postgres", "-c", quoted] : pgCtl.slice(1)));
}

/** SIGKILL to redis-server: nothing is flushed beyond what each write already fsynced. */
export async function redisCrash(url: string): Promise<Crash> {
  const port = new URL(url).port;
  const info = await run("redis-cli", ["-p", port, "info", "server"]);
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no redis-server pid in: ${info}`);
  return async () => {
    process.kill(pid, "SIGKILL");
    // The daemon is not our child, so wait for its port to close rather than for its exit.
    for (let i = 0; i < 100; i++) {
      if ((await run("redis-cli", ["-p", port, "ping"]).catch(() => "")).trim() !== "PONG") return;
      await sleep(20);
    }
    throw new Error("redis-server survived SIGKILL");
  };
}
