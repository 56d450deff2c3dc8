/** Redis stores for tests: a fresh key prefix per store, its keys deleted when the store closes. */
import { randomBytes } from "node:crypto";
import { Cluster, type Redis } from "ioredis";
import { createClient } from "../../src/stores/redis/connection.js";
import { RedisStore, type RedisStoreOptions } from "../../src/stores/redis/index.js";
import type { StoreHarness } from "../conformance/store.js";
import { T0 } from "../conformance/fixtures.js";

const DAY = 86_400_000;

/**
 * The fixtures live on a manual clock at T0 while Redis expires keys on its own clock,
 * so the retention spans the gap: otherwise records would expire the moment they are written.
 */
export const TEST_RETENTION_MS = Math.max(0, Date.now() - T0) + 30 * DAY;

export function freshPrefix(): string {
  return `sdtest:${Date.now().toString(36)}${randomBytes(4).toString("hex")}:`;
}

/** A plain client on the same URL, for looking at keys directly; call `disconnect()` when done. */
export async function rawClient(url: string): Promise<Redis | Cluster> {
  const client = createClient(url, 2000);
  client.on("error", () => {});
  await client.ping(); // waits for the connection (and, on a cluster, the slot map)
  return client;
}

/** Deletes every key under `prefix`, on every master of a cluster. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const client = await rawClient(url);
  try {
    const nodes = client instanceof Cluster ? client.nodes("master") : [client];
    for (const node of nodes) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        // One key per command: on a cluster node several keys in one DEL must share a slot.
        await Promise.all(keys.map((key) => node.unlink(key)));
      } while (cursor !== "0");
    }
  } finally {
    client.disconnect();
  }
}

/** A store that cleans up its prefix when it closes (the first handle owns the prefix, peers do not). */
class TestStore extends RedisStore {
  private cleaned: Promise<void> | undefined;

  constructor(
    readonly options: RedisStoreOptions & { prefix: string },
    private readonly owner: boolean,
  ) {
    super(options);
  }

  override close(): Promise<void> {
    this.cleaned ??= super.close().then(() => (this.owner ? dropPrefix(this.options.url, this.options.prefix) : undefined));
    return this.cleaned;
  }
}

/** Opens a store on a fresh prefix; extra options (retention, timeout) override the test defaults. */
export function openTestStore(url: string, options: Partial<RedisStoreOptions> = {}): TestStore {
  return new TestStore({ url, prefix: freshPrefix(), retentionMs: TEST_RETENTION_MS, ...options }, true);
}

/** The conformance harness: each store on its own prefix, peers on the same one. */
export function redisHarness(url: string): StoreHarness {
  return {
    open: async () => openTestStore(url),
    openPeer: async (first) => new TestStore({ ...(first as TestStore).options }, false),
  };
}
