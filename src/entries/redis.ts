/**
 * `sessiond/redis`: the Redis and Redis Cluster store alone (ioredis loads on the first `redisStore()` call).
 *
 * @example
 * import { createSessions } from "sessiond";
 * import { redisStore } from "sessiond/redis";
 * const sessions = createSessions({ store: redisStore({ url: "redis://127.0.0.1:6379", retentionMs: 30 * 86_400_000 }) });
 */
export { redisStore, RedisStore } from "../stores/redis/index.js";
export type { RedisStoreOptions } from "../stores/redis/index.js";
