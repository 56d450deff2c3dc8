/**
 * The optional node-local verify cache (off by default: strict mode reads the store on
 * every verify). A hit saves the store read; it is trusted only to say "valid":
 * anything a copy would refuse is asked of the store again. Copies are dropped when the
 * store's change feed names their session, all of them when the feed may have missed
 * something, and each lives at most `ttlMs` as a last resort.
 */
import type { SessionRecord } from "./model.js";
import { DEFAULT_VERIFY_CACHE } from "./defaults.js";
import type { ChangeFeed, ChangeWatch } from "./store/index.js";

export interface VerifyCacheOptions {
  /** Sessions kept per process (default 10 000, about 20 MB). */
  maxEntries?: number;
  /** The longest a copy is trusted, whatever the feed says (default 30 000 ms). */
  ttlMs?: number;
}

/** Ids invalidated recently, remembered so a read that raced an invalidation is not cached. */
const RECENT_LIMIT = 10_000;

export class VerifyCache {
  private readonly entries = new Map<string, { record: SessionRecord; at: number }>();
  private readonly recent = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private watch: ChangeWatch | null = null;
  private generation = 0;
  /** Reads that started before this generation may have missed an invalidation. */
  private floor = 0;
  private stopped = false;

  constructor(options: VerifyCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_VERIFY_CACHE.maxEntries;
    this.ttlMs = options.ttlMs ?? DEFAULT_VERIFY_CACHE.ttlMs;
  }

  /** Starts listening to the store's change feed; until then (and whenever the feed is unhealthy) nothing is served from the cache. */
  async start(feed: ChangeFeed): Promise<void> {
    for (let delayMs = 250; !this.stopped; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        const watch = await feed.watch((id) => this.invalidate(id));
        if (this.stopped) await watch.stop();
        else this.watch = watch;
        return;
      } catch {
        // The store is away: stay strict and try again.
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const watch = this.watch;
    this.watch = null;
    this.entries.clear();
    await watch?.stop();
  }

  /** The generation a read starts at; pass it to {@link remember}. */
  get readGeneration(): number {
    return this.generation;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A trusted copy, or undefined. */
  lookup(id: string, nowMs: number): SessionRecord | undefined {
    const watch = this.watch;
    if (watch === null) return undefined;
    watch.poll();
    if (!watch.healthy) {
      if (this.entries.size > 0) this.invalidate(null);
      return undefined;
    }
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (nowMs - entry.at > this.ttlMs || nowMs < entry.at) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.record;
  }

  /** Keeps a copy read from the store at `readGeneration`, unless its session changed since. */
  remember(record: SessionRecord, readGeneration: number, nowMs: number): void {
    if (this.watch === null || !this.watch.healthy || readGeneration < this.floor) return;
    const changedAt = this.recent.get(record.id);
    if (changedAt !== undefined && changedAt > readGeneration) return;
    if (!this.entries.has(record.id) && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(record.id, { record, at: nowMs });
  }

  /** Drops one copy (this process knows it is stale). */
  forget(id: string): void {
    this.invalidate(id);
  }

  private invalidate(id: string | null): void {
    this.generation += 1;
    if (id === null) {
      this.entries.clear();
      this.recent.clear();
      this.floor = this.generation;
      return;
    }
    this.entries.delete(id);
    this.recent.set(id, this.generation);
    if (this.recent.size > RECENT_LIMIT) {
      this.recent.clear();
      this.floor = this.generation;
    }
  }
}
