/** A Redis connection whose set-up fails must never run a command, above all not on another database. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Redis } from "ioredis";
import { isSessiondError } from "../../src/core/errors.js";
import { redisStore } from "../../src/stores/redis/index.js";
import { REDIS_URL, redisSkip } from "../support/services.js";

describe("Redis connection set-up", { skip: await redisSkip(REDIS_URL) }, () => {
  it("a refused SELECT fails every command with store_unavailable, and nothing is written to database 0", async () => {
    const url = new URL(REDIS_URL);
    url.pathname = "/99";
    const prefix = `sd-select-${process.pid}-${Date.now()}:`;
    const store = redisStore({ url: url.href, prefix, retentionMs: 60_000, commandTimeoutMs: 1000 });
    try {
      for (let i = 0; i < 3; i++) {
        // A gap lets the connection reach whatever state it settles in, 'ready' on database 0 included.
        await new Promise((r) => setTimeout(r, 100));
        await assert.rejects(
          store.policies.put("acme", { lifetimeMs: 60_000 }),
          (error) => isSessiondError(error) && error.code === "store_unavailable" && /database 99/.test(error.message),
        );
      }
    } finally {
      await store.close();
    }
    const raw = new Redis(REDIS_URL);
    try {
      assert.deepEqual(await raw.keys(`${prefix}*`), [], "database 0 holds nothing of this store");
    } finally {
      raw.disconnect();
    }
  });
});
