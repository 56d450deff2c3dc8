/** The memory store's change feed. */
import type { ChangeFeed, ChangeListener, ChangeWatch } from "../../core/store/index.js";
import type { ChangeListeners } from "../change-listeners.js";

export class MemoryChanges implements ChangeFeed {
  constructor(private readonly listeners: ChangeListeners) {}

  /** One process holds a memory store, so its own writes are all there is to hear. */
  async watch(listener: ChangeListener): Promise<ChangeWatch> {
    return this.listeners.add(listener);
  }
}
