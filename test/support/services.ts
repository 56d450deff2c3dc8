/**
 * Real backing services for tests. Under CI=true a missing service fails the run;
 * elsewhere its tests are skipped with a loud reason.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_URL = process.env.SESSIOND_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** What `describe(name, { skip })` takes: false when the service answers, else the reason. Throws under CI. */
export async function serviceSkip(name: string, reachable: () => Promise<unknown>): Promise<false | string> {
  try {
    await reachable();
    return false;
  } catch (error) {
    const reason = `${name} is not reachable: ${(error as Error).message}`;
    if (process.env.CI === "true") throw new Error(`${reason} (CI=true: a missing service is a failure)`);
    process.stderr.write(`\n*** SKIPPING ${name} tests: ${reason}\n`);
    return reason;
  }
}

export async function postgresSkip(): Promise<false | string> {
  return serviceSkip("PostgreSQL", async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.end();
  });
}

/** A schema name no other test run uses. */
export function freshSchema(): string {
  return `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export const REDIS_URL = process.env.SESSIOND_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The cluster started by scripts/test.mjs (scripts/redis-cluster.sh). */
export function redisClusterUrl(): string {
  return process.env.SESSIOND_TEST_REDIS_CLUSTER_URL ?? "redis-cluster://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003";
}

/** Checks a redis:// or redis-cluster:// URL answers PING. */
export async function redisSkip(url: string): Promise<false | string> {
  return serviceSkip(url.startsWith("redis-cluster") ? "Redis Cluster" : "Redis", async () => {
    const { Redis, Cluster } = await import("ioredis");
    const client = url.startsWith("redis-cluster://")
      ? new Cluster(
          url
            .slice("redis-cluster://".length)
            .split(",")
            .map((hp) => ({ host: hp.split(":")[0]!, port: Number(hp.split(":")[1]) })),
          { lazyConnect: true, clusterRetryStrategy: () => null },
        )
      : new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}
