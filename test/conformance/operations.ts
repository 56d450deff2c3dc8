/** What concerns a backend as a whole: ping (close and its idempotence run after every test, see store.ts). */
import { describe, it } from "node:test";
import { type StoreHarness, withStore } from "./store.js";

export function operationTests(h: StoreHarness): void {
  describe("operations", () => {
    it(
      "answers ping while open",
      withStore(h, async (store) => {
        await store.ping();
      }),
    );
  });
}
