/** The counter role: rate-limit windows shared by every handle on a backend. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type StoreHarness, withTwo } from "./store.js";

export function counterTests(h: StoreHarness): void {
  describe("rate-limit counters", () => {
    it(
      "adds hits per key and window atomically across every handle on the store",
      withTwo(h, async (a, b) => {
        const window = Math.floor(Date.now() / 60_000) * 60_000; // a current window: stores may drop past ones at once
        const totals = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).counters.add("ip:203.0.113.9", window, 60_000, 1)));
        assert.deepEqual(
          [...totals].sort((x, y) => x - y),
          Array.from({ length: 20 }, (_, i) => i + 1),
          "each hit sees a distinct total",
        );
        assert.equal(await a.counters.add("ip:203.0.113.9", window, 60_000, 5), 25);
        assert.equal(await b.counters.add("ip:203.0.113.9", window + 60_000, 60_000, 1), 1, "a new window starts at zero");
        assert.equal(await b.counters.add("key:sdk_x", window, 60_000, 1), 1, "keys are independent");
      }),
    );
  });
}
