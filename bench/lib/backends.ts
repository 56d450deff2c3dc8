/**
 * Fresh, private places for a run's data, each removed at cleanup: a temp directory (SQLite
 * files can be many GB), a PostgreSQL schema, a Redis key prefix, and the throw-away Redis
 * Cluster of scripts/redis-cluster.sh (stopped again only if this run started it).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { onCleanup } from "./cleanup.js";
import { ROOT_DIR } from "./processes.js";

const unique = () => `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

export function tempDir(keep: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-bench-"));
  if (keep) process.stderr.write(`keeping ${dir}\n`);
  else onCleanup(dir, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new schema name; dropped (with everything sessiond created in it) at cleanup. */
export function postgresSchema(url: string): string {
  const schema = `bench_${unique()}`;
  onCleanup(`schema ${schema}`, async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });
  return schema;
}

async function deleteByPattern(node: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 5000);
    cursor = next;
    // One key per DEL keeps it valid on a cluster node too (keys of a batch may sit in different slots).
    if (keys.length > 0) await Promise.all(keys.map((key) => node.unlink(key)));
  } while (cursor !== "0");
}

/** A new key prefix (`bench-…:`) on a `redis://` or `redis-cluster://` URL; its keys are deleted at cleanup. */
export function redisPrefix(url: string): string {
  const prefix = `bench-${unique()}:`;
  onCleanup(`redis prefix ${prefix}`, async () => {
    if (url.startsWith("redis-cluster://")) {
      const [host, port] = url.slice("redis-cluster://".length).split(",")[0]!.split(":");
      const cluster = new Cluster([{ host: host!, port: Number(port) }]);
      try {
        await Promise.all(cluster.nodes("master").map((node) => deleteByPattern(node, `${prefix}*`)));
      } finally {
        cluster.disconnect();
      }
    } else {
      const redis = new Redis(url);
      try {
        await deleteByPattern(redis, `${prefix}*`);
      } finally {
        redis.disconnect();
      }
    }
  });
  return prefix;
}

/** The Redis Cluster's store URL; starts it (and stops it at cleanup) unless one is running already. */
export function redisCluster(): string {
  const script = join(ROOT_DIR, "scripts", "redis-cluster.sh");
  const before = spawnSync("redis-cli", ["-p", (process.env.SESSIOND_CLUSTER_PORTS ?? "17001").split(" ")[0]!, "cluster", "info"], { encoding: "utf8" });
  const running = before.status === 0 && before.stdout.includes("cluster_state:ok");
  const url = execFileSync("bash", [script, "start"], { encoding: "utf8" }).trim();
  if (!running) onCleanup("redis cluster", () => void execFileSync("bash", [script, "stop"]));
  return url;
}
