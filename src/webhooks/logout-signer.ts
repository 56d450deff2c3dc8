/**
 * Logout tokens signed by {@link SigningKeys}, the keys of session JWTs. `SigningKeys.sign`
 * always writes `typ: "JWT"`, and a logout token must say `logout+jwt`; until it takes a
 * header option, this signs with the key `sign` would choose, reached the way `sign` reaches it.
 */
import type { KeyObject } from "node:crypto";
import type { SigningKeyRecord } from "../core/store/index.js";
import { loadJose } from "../jwt/jose.js";
import { chooseSigningKey, type SigningKeys } from "../jwt/signing-keys.js";
import type { LogoutSigner } from "./logout-token.js";

/** The members of SigningKeys this needs; private there, so the shape is named here and checked by the test. */
interface SigningKeysInside {
  clock: { now(): number };
  keys(fresh?: boolean): Promise<SigningKeyRecord[]>;
  open(key: SigningKeyRecord, sealingKey: Buffer): KeyObject;
  requireSealingKey(): Buffer;
}

export function signingKeysLogoutSigner(signingKeys: SigningKeys): LogoutSigner {
  const inside = signingKeys as unknown as SigningKeysInside;
  return {
    async signTyped(claims, typ) {
      const sealingKey = inside.requireSealingKey();
      let key = chooseSigningKey(await inside.keys(), inside.clock.now());
      if (key === null) {
        // A store without a key yet: a session JWT's first sign creates it (one winner among servers).
        await signingKeys.sign({ iss: "", sub: "", sid: "", tid: "", sts: "active", iat: 0, nbf: 0, exp: 0 });
        key = chooseSigningKey(await inside.keys(true), inside.clock.now());
        if (key === null) throw new Error("no signing key for a logout token");
      }
      const { SignJWT } = await loadJose();
      return new SignJWT(claims).setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ }).sign(inside.open(key, sealingKey));
    },
  };
}
