/**
 * The memory store's outbox: events in commit order, numbered as the session role appends them
 * (one process, no await inside a write, so append order is commit order). Positions are the
 * sequence number in decimal.
 */
import type { SessionEvent } from "../../core/events.js";
import type { EventFilter, EventPage, OutboxStore } from "../../core/store/index.js";
import { matchesEventFilter, parseSeq } from "../event-positions.js";

interface Numbered {
  seq: number;
  event: SessionEvent;
}

export class MemoryOutbox implements OutboxStore {
  private readonly events: Numbered[] = [];
  private readonly ids = new Set<string>();
  private lastSeq = 0;

  /** Called by the session role inside its write; an id already stored (a retried batch) is skipped. */
  append(events: readonly SessionEvent[]): void {
    for (const event of events) {
      if (this.ids.has(event.id)) continue;
      this.ids.add(event.id);
      this.events.push({ seq: ++this.lastSeq, event: structuredClone(event) });
    }
  }

  async read(filter: EventFilter, afterKey: string | null, limit: number): Promise<EventPage> {
    const after = parseSeq(afterKey);
    const items: SessionEvent[] = [];
    let next = after;
    for (const { seq, event } of this.events) {
      if (seq <= after) continue;
      if (items.length >= limit) break;
      next = seq;
      if (matchesEventFilter(event, filter)) items.push(structuredClone(event));
    }
    return { items, nextKey: String(next) };
  }

  async positionOf(eventId: string): Promise<string | null> {
    const found = this.events.find((e) => e.event.id === eventId);
    return found === undefined ? null : String(found.seq);
  }

  async positionAt(timeMs: number | null): Promise<string> {
    if (timeMs === null) return String(this.lastSeq);
    const first = this.events.find((e) => e.event.timestamp >= timeMs);
    return String(first === undefined ? this.lastSeq : first.seq - 1);
  }

  async relay(): Promise<number> {
    return 0;
  }

  async purge(beforeMs: number, limit: number): Promise<number> {
    let purged = 0;
    for (let i = 0; i < this.events.length && purged < limit; ) {
      const { event } = this.events[i]!;
      if (event.timestamp < beforeMs) {
        this.events.splice(i, 1);
        this.ids.delete(event.id);
        purged += 1;
      } else i += 1;
    }
    return purged;
  }
}
