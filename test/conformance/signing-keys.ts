/** The signing-key role. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

export function signingKeyTests(h: StoreHarness): void {
  describe("signing keys", () => {
    it(
      "stores signing keys shared by every server, retires and deletes them",
      withStore(h, async ({ signingKeys }) => {
        const key = {
          kid: "k1",
          algorithm: "EdDSA",
          publicJwk: { kty: "OKP", crv: "Ed25519", x: "abc" },
          encryptedPrivateKey: "enc",
          createdAt: T0,
          retireAt: null,
        };
        await signingKeys.insert(key);
        await signingKeys.insert({ ...key, kid: "k2", createdAt: T0 + 1 });
        await signingKeys.retire("k1", T0 + 100);
        assert.deepEqual(await signingKeys.list(), [
          { ...key, retireAt: T0 + 100 },
          { ...key, kid: "k2", createdAt: T0 + 1 },
        ]);
        await signingKeys.delete("k1");
        assert.deepEqual(
          (await signingKeys.list()).map((k) => k.kid),
          ["k2"],
        );
      }),
    );
  });
}
