/**
 * Every default a setting has, in one place: the config schema (src/config.ts) takes its defaults
 * from here, and the library's factories fall back to the same values when an option is left out.
 */
import type { Settings } from "./policy.js";

const SECOND = 1000;
const DAY = 86_400 * SECOND;

/** The defaults of SPEC §3 and §8. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  lifetimeMs: 7 * DAY,
  maxLifetimeMs: 30 * DAY,
  inactivityTimeoutMs: null,
  slidingExpiration: false,
  maxSessionsPerUser: null,
  bindUserAgent: false,
  pendingTimeoutMs: 600 * SECOND,
  activityResolutionMs: 60 * SECOND,
  refreshGraceMs: 10 * SECOND,
  retentionMs: 30 * DAY,
  eventRetentionMs: 7 * DAY,
  activityHistoryLimit: 20,
  sweepBatchSize: 1000,
  userSessionCap: 1000,
});

/** The tenant of a call that names none (SPEC §1). */
export const DEFAULT_TENANT_ID = "default";

/** How long a store call may take before it fails with `store_unavailable` (connect, query, command). */
export const DEFAULT_STORE_TIMEOUT_MS = 2000;

/**
 * Activity writes off the response path (activity-writer.ts): a batch every 5 ms (or once 500
 * are queued), at most 10 000 waiting, a failed batch tried 3 times.
 */
export const DEFAULT_ACTIVITY_WRITES = Object.freeze({ batchMs: 5, maxBatch: 500, maxQueue: 10_000, maxAttempts: 3 });

/** The verify cache, when on: sessions kept per process (about 20 MB) and the longest a copy is trusted. */
export const DEFAULT_VERIFY_CACHE = Object.freeze({ maxEntries: 10_000, ttlMs: 30 * SECOND });
