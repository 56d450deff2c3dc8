/** The API-key role of the store contract (its one consumer: src/core/api-keys.ts). */

/** An API key as stored: only the digest of its secret. */
export interface ApiKeyRecord {
  id: string;
  /** null: a root key (every tenant). */
  tenantId: string | null;
  name: string | null;
  secretHash: Buffer;
  createdAt: number;
  revokedAt: number | null;
}

/** API keys of the REST API. Keys are never deleted, only revoked. */
export interface ApiKeyStore {
  /** MUST store the key, and throw `conflict` if its id exists. */
  insert(key: ApiKeyRecord): Promise<void>;

  /** MUST return the key by id, or null. */
  get(id: string): Promise<ApiKeyRecord | null>;

  /** MUST list one tenant's keys, or with `undefined` every key (root keys included), by id. */
  list(tenantId: string | undefined): Promise<ApiKeyRecord[]>;

  /**
   * MUST set `revokedAt` to `atMs` unless it is already set (the first revocation wins, so
   * repeating it is harmless) and return the stored key, or null for an unknown id.
   */
  revoke(id: string, atMs: number): Promise<ApiKeyRecord | null>;
}
