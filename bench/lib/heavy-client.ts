/**
 * One client that repeats heavy reads back to back (each waits for the previous answer), for
 * as long as another load runs: what an admin console or a reporting job does to a server.
 */
import type { HttpRequest } from "./load.js";

export interface HeavyCallResult {
  name: string;
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface HeavyClient {
  /** Ends the loop after the call in flight and reports each kind of call. */
  stop(): Promise<HeavyCallResult[]>;
}

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!);

export function startHeavyClient(url: string, calls: { name: string; request: HttpRequest }[]): HeavyClient {
  const times = calls.map(() => [] as number[]);
  const errors = calls.map(() => 0);
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      for (const [i, { request }] of calls.entries()) {
        const started = performance.now();
        const response = await fetch(url + request.path, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        await response.arrayBuffer();
        if (response.ok) times[i]!.push(performance.now() - started);
        else errors[i]! += 1;
      }
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return calls.map(({ name }, i) => {
        const sorted = [...times[i]!].sort((a, b) => a - b);
        return { name, count: sorted.length, errors: errors[i]!, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
      });
    },
  };
}
