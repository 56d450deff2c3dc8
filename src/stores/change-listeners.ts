/** This process's listeners of session changes, the same in every store's change feed. */
import type { ChangeListener, ChangeWatch } from "../core/store/index.js";

/**
 * This process's change listeners. Stores tell it about their own writes at once and about
 * other processes' as their backend reports them (pub/sub, NOTIFY, a change log).
 */
export class ChangeListeners {
  private readonly listeners = new Set<ChangeListener>();

  get size(): number {
    return this.listeners.size;
  }

  emit(ids: Iterable<string> | null): void {
    if (this.listeners.size === 0) return;
    if (ids === null) for (const listener of this.listeners) listener(null);
    else for (const id of ids) for (const listener of this.listeners) listener(id);
  }

  /** Adds a listener; the watch's `healthy` and `poll` come from the store. */
  add(listener: ChangeListener, backend: { healthy(): boolean; poll?(): void; onEmpty?(): Promise<void> } = { healthy: () => true }): ChangeWatch {
    this.listeners.add(listener);
    return {
      poll: () => backend.poll?.(),
      get healthy() {
        return backend.healthy();
      },
      stop: async () => {
        if (this.listeners.delete(listener) && this.listeners.size === 0) await backend.onEmpty?.();
      },
    };
  }
}
