/** The change-feed role of the store contract (its one consumer: src/core/verify-cache.ts). */

/** Receives ids of changed sessions; `null` means changes may have been missed: forget every copy. */
export type ChangeListener = (sessionId: string | null) => void;

/** A running subscription to session changes (see {@link ChangeFeed.watch}). */
export interface ChangeWatch {
  /** Catches up with other processes' changes now (pull-based stores); MUST be cheap when there are none. */
  poll(): void;
  /** False while changes may be going unseen (a lost connection): copies must not be trusted then. */
  readonly healthy: boolean;
  stop(): Promise<void>;
}

/** What keeps node-local copies of sessions honest. */
export interface ChangeFeed {
  /**
   * MUST deliver to `listener`, in every process on the store, the id of each session whose
   * stored state changed through the session role's `insert` (ended by replacement or the
   * limit), `update` or `endMany`, promptly after the change commits, this process's changes
   * included; and `null` whenever changes may have been missed. Activity writes, the sweep and
   * purges need not be reported: a copy judges deadlines itself.
   */
  watch(listener: ChangeListener): Promise<ChangeWatch>;
}
