/** The options of `createSessions` (src/core/service.ts), apart so the service stays one concept per file. */
import type { ActivityWritesOption } from "./activity-writer.js";
import type { Clock } from "./clock.js";
import type { Enricher } from "./model.js";
import type { Settings } from "./policy.js";
import type { RandomSource } from "./session-token.js";
import type * as jwts from "./session-jwt.js";
import type { Store } from "./store/index.js";
import type { FlatSessionStore } from "./store/flat-methods.js";
import type { VerifyCacheOptions } from "./verify-cache.js";
import type { WebhookOptions } from "./webhooks.js";

/** Options of `createSessions`. */
export interface SessionsOptions {
  /**
   * Where sessions live: `sqliteStore()`, `memoryStore()`, … A store with only the old flat
   * methods (a custom store written before the roles) is still taken, and deprecated.
   */
  store: Store | FlatSessionStore;
  /** Deployment defaults and settings; anything omitted takes the SPEC default. */
  policy?: Partial<Settings>;
  clock?: Clock;
  random?: RandomSource;
  /** Derives device and place from IP and UA; without one, only IP and UA are recorded. */
  enricher?: Enricher;
  /** Signs session JWTs (e.g. `SigningKeys`); without it, minting fails with `signing_key_unavailable`. */
  jwt?: jwts.JwtSettings;
  /**
   * Node-local copies of sessions for verify, invalidated through the store's change feed.
   * Off by default (strict: every verify reads the store, so a revocation is seen at once).
   */
  verifyCache?: VerifyCacheOptions | false;
  /**
   * Activity writes off the response path: verify queues them and they are written in
   * batches every `batchMs` (default 5 ms), one store call per batch. A crash loses at most
   * what is queued, never a state change; `close()` writes it. `false` (or `batchMs: 0`)
   * writes each on the response path, as before.
   */
  activityWrites?: ActivityWritesOption;
  /** Store an event with every change (SPEC §9; default true). `false` only to measure what events cost. */
  events?: boolean;
  /** Webhook endpoints: the key that seals their secrets, and the dispatcher's test sender. */
  webhooks?: WebhookOptions;
}
