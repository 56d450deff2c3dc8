/**
 * The one conformance suite: every store runs exactly these tests through a
 * few-line file in test/stores/. A store that passes behaves like the memory
 * reference store for the service.
 */
import { describe } from "node:test";
import type { SessionStore } from "../../src/core/store.js";
import { recordTests } from "./records.js";
import { lifecycleTests } from "./lifecycle.js";
import { queryTests } from "./queries.js";
import { sweepTests } from "./sweep.js";
import { auxiliaryTests } from "./auxiliary.js";
import { concurrencyTests } from "./concurrency.js";
import { changeTests } from "./changes.js";
import { countTests } from "./counts.js";

/** How the suite reaches a backend. */
export interface StoreHarness {
  /** A store on a fresh, empty backend. */
  open(): Promise<SessionStore>;
  /** A second, independent handle on the same backend as `first` (another server process's view); omit where no backend is shared. */
  openPeer?(first: SessionStore): Promise<SessionStore>;
}

/** Runs `test` with a fresh store and closes it afterwards (twice: close must be idempotent). */
export function withStore(harness: StoreHarness, test: (store: SessionStore) => Promise<void>): () => Promise<void> {
  return async () => {
    const store = await harness.open();
    try {
      await test(store);
    } finally {
      await store.close();
      await store.close();
    }
  };
}

/** Runs the whole suite on one store; `skip` names why the backend is absent (never under CI, see test/support/services.ts). */
export function describeStore(name: string, harness: StoreHarness, skip: false | string = false): void {
  describe(`store conformance: ${name}`, { skip }, () => {
    recordTests(harness);
    lifecycleTests(harness);
    queryTests(harness);
    sweepTests(harness);
    concurrencyTests(harness);
    auxiliaryTests(harness);
    changeTests(harness);
    countTests(harness);
  });
}
