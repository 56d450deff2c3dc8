/** Logout tokens signed by {@link SigningKeys}, the keys of session JWTs, with their own `typ` (`logout+jwt`). */
import type { SigningKeys } from "../jwt/signing-keys.js";
import type { LogoutSigner } from "./logout-token.js";

export function signingKeysLogoutSigner(signingKeys: Pick<SigningKeys, "signTyped">): LogoutSigner {
  return { signTyped: (claims, typ) => signingKeys.signTyped(claims, typ) };
}
