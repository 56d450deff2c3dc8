/** The count maps of `stats`, built the same way by every store. */
import type { SessionStats } from "../core/store/index.js";

/**
 * A count per key with no prototype: the keys are user data (a client-hint platform of
 * `constructor` or `__proto__` is a key like any other, never an inherited property).
 */
export function emptyCounts(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

export function emptyStats(): SessionStats {
  return {
    activeSessions: 0,
    distinctUsers: 0,
    byStatus: emptyCounts(),
    byCountry: emptyCounts(),
    byBrowser: emptyCounts(),
    byDeviceType: emptyCounts(),
    byOs: emptyCounts(),
  };
}

/** Adds `n` under `key` of counts made by {@link emptyCounts}; unknown values count as "unknown". */
export function countInto(into: Record<string, number>, key: string | null, n = 1): void {
  const k = key ?? "unknown";
  into[k] = (Object.hasOwn(into, k) ? into[k]! : 0) + n;
}
