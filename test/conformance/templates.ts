/** The JWT-template role. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

export function templateTests(h: StoreHarness): void {
  describe("jwt templates", () => {
    it(
      "stores JWT templates per tenant and name",
      withStore(h, async ({ templates }) => {
        const template = {
          tenantId: "acme",
          name: "hasura",
          claims: { role: "user" },
          sessionFields: ["scopes"],
          lifetimeSeconds: 120,
          createdAt: T0,
          updatedAt: T0,
        };
        await templates.put(template);
        await templates.put({ ...template, tenantId: "globex" });
        await templates.put({ ...template, claims: { role: "admin" }, updatedAt: T0 + 1 });
        assert.deepEqual(await templates.get("acme", "hasura"), { ...template, claims: { role: "admin" }, updatedAt: T0 + 1 });
        assert.equal(await templates.get("acme", "nope"), null);
        assert.equal((await templates.list("acme")).length, 1);
        assert.equal(await templates.delete("acme", "hasura"), true);
        assert.equal(await templates.delete("acme", "hasura"), false);
        assert.equal((await templates.list("globex")).length, 1);
      }),
    );
  });
}
