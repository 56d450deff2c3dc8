/** The tenant-policy role (the service's use of it: sessions/tenancy.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type StoreHarness, withStore } from "./store.js";

export function policyTests(h: StoreHarness): void {
  describe("tenant policies", () => {
    it(
      "stores tenant policies per tenant, null meaning off",
      withStore(h, async ({ policies }) => {
        assert.equal(await policies.get("acme"), null);
        await policies.put("acme", { lifetimeMs: 1000, inactivityTimeoutMs: null, bindUserAgent: true });
        await policies.put("acme", { lifetimeMs: 2000, inactivityTimeoutMs: null });
        assert.deepEqual(await policies.get("acme"), { lifetimeMs: 2000, inactivityTimeoutMs: null });
        assert.equal(await policies.get("globex"), null);
      }),
    );
  });
}
