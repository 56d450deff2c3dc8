/** Where the core reads the time: injected so tests never sleep. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests and simulations. */
export class ManualClock implements Clock {
  private current: number;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }
  now(): number {
    return this.current;
  }
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
  /** Sets the clock to `ms`. */
  set(ms: number): void {
    this.current = ms;
  }
}

/** Timers, injected where the core waits on its own (the activity writer's batches), so tests never sleep. */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Timers that fire only when told to, for tests. */
export class ManualTimers implements Timers {
  private readonly pending = new Map<number, { run: () => void; ms: number }>();
  private next = 0;
  setTimeout(run: () => void, ms: number): unknown {
    this.next += 1;
    this.pending.set(this.next, { run, ms });
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** The delays of the timers set and not yet fired. */
  get waiting(): number[] {
    return [...this.pending.values()].map((t) => t.ms);
  }
  /** Runs every timer set so far. */
  fire(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.run();
  }
}
