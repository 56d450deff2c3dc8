/**
 * The one conformance suite: every store runs exactly these tests through a few-line file in
 * test/stores/. A store that passes behaves like the memory reference store for the service.
 * It is organised like the contract (src/core/store/): one file, or folder, per role.
 */
import { describe } from "node:test";
import type { Store } from "../../src/core/store/index.js";
import { apiKeyTests } from "./api-keys.js";
import { changeTests } from "./changes.js";
import { counterTests } from "./counters.js";
import { eventServiceTests } from "./events.js";
import { flatMethodTests } from "./flat-methods.js";
import { operationTests } from "./operations.js";
import { outboxTests } from "./outbox.js";
import { policyTests } from "./policies.js";
import { sessionTests } from "./sessions/index.js";
import { signingKeyTests } from "./signing-keys.js";
import { templateTests } from "./templates.js";
import { webhookTests } from "./webhooks.js";

/** How the suite reaches a backend. */
export interface StoreHarness {
  /** A store on a fresh, empty backend. */
  open(): Promise<Store>;
  /** A second, independent handle on the same backend as `first` (another server process's view); omit where no backend is shared. */
  openPeer?(first: Store): Promise<Store>;
}

/** Runs `test` with a fresh store and closes it afterwards (twice: close must be idempotent). */
export function withStore(harness: StoreHarness, test: (store: Store) => Promise<void>): () => Promise<void> {
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

/** Runs `test` with two handles: a peer on the same backend where the store has one, else the same handle twice. */
export function withTwo(h: StoreHarness, test: (a: Store, b: Store) => Promise<void>): () => Promise<void> {
  return withStore(h, async (a) => {
    const b = h.openPeer === undefined ? a : await h.openPeer(a);
    try {
      await test(a, b);
    } finally {
      if (b !== a) await b.close();
    }
  });
}

/** Runs the whole suite on one store; `skip` names why the backend is absent (never under CI, see test/support/services.ts). */
export function describeStore(name: string, harness: StoreHarness, skip: false | string = false): void {
  describe(`store conformance: ${name}`, { skip }, () => {
    sessionTests(harness);
    apiKeyTests(harness);
    signingKeyTests(harness);
    templateTests(harness);
    policyTests(harness);
    counterTests(harness);
    changeTests(harness);
    outboxTests(harness);
    eventServiceTests(harness);
    webhookTests(harness);
    operationTests(harness);
    flatMethodTests(harness);
  });
}
