/** The signing-key role of the store contract (its one consumer: src/jwt/signing-keys.ts). */

/** A JWT signing key; the private key is stored encrypted by the caller. */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  encryptedPrivateKey: string;
  createdAt: number;
  /** Once set, the key signs nothing new and leaves the JWKS at this instant. */
  retireAt: number | null;
}

/** JWT signing keys, shared by every server on the store. */
export interface SigningKeyStore {
  /** MUST store the key, and throw `conflict` if its kid exists. */
  insert(key: SigningKeyRecord): Promise<void>;

  /** MUST list every key, oldest first (by `createdAt`, then `kid`). */
  list(): Promise<SigningKeyRecord[]>;

  /** MUST set `retireAt` unless it is already set (a retirement date is set once); an unknown kid is no error. */
  retire(kid: string, retireAt: number): Promise<void>;

  /** MUST remove the key; an unknown kid is no error. */
  delete(kid: string): Promise<void>;
}
