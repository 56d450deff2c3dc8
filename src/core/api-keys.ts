/**
 * API keys for the REST API: root (all tenants) or one tenant's. Only a digest
 * is stored; lookups are cached for under a second, so a check costs next to
 * nothing on the hot path and a revoked key stops working everywhere within 1 s.
 */
import type { Clock } from "./clock.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import type { ApiKeyRecord, ApiKeyStore } from "./store/index.js";
import { digestsEqual, hashSecret, newId, type RandomSource } from "./session-token.js";

/** `sdk_<id>.<secret>`: the prefix marks a sessiond API key for secret scanners. */
export const API_KEY_PATTERN = /^(sdk_[0-9a-hjkmnp-tv-z]{26})\.([A-Za-z0-9_-]{43})$/;
/** An API key's id: the part of the key before the dot. */
export const API_KEY_ID_PATTERN = /^sdk_[0-9a-hjkmnp-tv-z]{26}$/;
const CACHE_MS = 500; // half the SPEC's 1 s revocation bound, leaving room for clock skew and slow reads

/** An API key as the API shows it (never the key itself, except once on create). */
export interface ApiKey {
  object: "api_key";
  id: string;
  /** null: the root key, valid for every tenant. */
  tenantId: string | null;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** Who a request authenticated as. */
/** The principal id of the root key given by the environment (`SESSIOND_ROOT_KEY`): it is not stored, so it has no key id. */
export const ROOT_KEY_ID = "root";

export interface Principal {
  keyId: string;
  /** null for root. */
  tenantId: string | null;
}

export function toApiKey(r: ApiKeyRecord): ApiKey {
  return { object: "api_key", id: r.id, tenantId: r.tenantId, name: r.name, createdAt: r.createdAt, revokedAt: r.revokedAt };
}

export class ApiKeys {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; at: number }>();
  private readonly configuredRootHash: Buffer | null;

  /** @param configuredRootKey a root key from configuration (≥ 32 characters), used instead of stored root keys. */
  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    configuredRootKey: string | null = null,
  ) {
    this.configuredRootHash = configuredRootKey === null ? null : hashSecret(configuredRootKey);
  }

  /** Creates a key for a tenant (or root with `tenantId: null`); the key is returned this once. */
  async create(tenantId: string | null, name?: string | null): Promise<ApiKey & { key: string }> {
    const tenant = tenantId === null ? null : input.tenantId(tenantId);
    const label = input.optionalText("name", name);
    const now = this.clock.now();
    const id = newId("sdk", now, this.random);
    const secret = this.random.bytes(32).toString("base64url");
    const record: ApiKeyRecord = { id, tenantId: tenant, name: label, secretHash: hashSecret(secret), createdAt: now, revokedAt: null };
    await this.store.insert(record);
    return { ...toApiKey(record), key: `${id}.${secret}` };
  }

  /** Keys of one tenant, or all keys (root included) when `tenantId` is undefined. */
  async list(tenantId?: string): Promise<ApiKey[]> {
    return (await this.store.list(tenantId === undefined ? undefined : input.tenantId(tenantId))).map(toApiKey);
  }

  /**
   * Revokes a key; repeating it is harmless. The last live root key cannot be revoked, but a
   * configured root key counts as one: with it set, every stored root key may go (that is how
   * a generated root key is retired in favour of a configured one).
   * @throws SessiondError `resource_not_found`; `request_invalid` for the last root key
   */
  async revoke(id: string): Promise<ApiKey> {
    if (typeof id !== "string" || !API_KEY_ID_PATTERN.test(id))
      throw new SessiondError("request_invalid", "id is not an API key id", { details: { field: "id" } });
    const existing = await this.store.get(id);
    if (existing === null) throw new SessiondError("resource_not_found", "no such API key");
    if (existing.tenantId === null && existing.revokedAt === null && this.configuredRootHash === null) {
      // Revoking the last root key would lock every administrator out of the deployment.
      if ((await this.storedRootKeys()).length <= 1)
        throw new SessiondError("request_invalid", "the last root key cannot be revoked; create another root key first (sessiond keys create --root)");
    }
    const record = (await this.store.revoke(id, this.clock.now()))!;
    this.cache.delete(id);
    return toApiKey(record);
  }

  /** The principal of a presented key, or null for anything missing, malformed, unknown or revoked. */
  async authenticate(presented: string | undefined): Promise<Principal | null> {
    if (presented === undefined || presented.length > 200) return null;
    if (this.configuredRootHash !== null && digestsEqual(hashSecret(presented), this.configuredRootHash)) return { keyId: ROOT_KEY_ID, tenantId: null };
    const match = API_KEY_PATTERN.exec(presented);
    if (match === null) return null;
    const record = await this.lookup(match[1]!);
    if (record === null || record.revokedAt !== null || !digestsEqual(record.secretHash, hashSecret(match[2]!))) return null;
    return { keyId: record.id, tenantId: record.tenantId };
  }

  /** Whether a root key was given by configuration (it is never stored, so never listed). */
  get hasConfiguredRootKey(): boolean {
    return this.configuredRootHash !== null;
  }

  /** The stored root keys that still work. */
  async storedRootKeys(): Promise<ApiKey[]> {
    return (await this.store.list(undefined)).filter((k) => k.tenantId === null && k.revokedAt === null).map(toApiKey);
  }

  /**
   * Makes sure a root key exists: with none configured and none stored, creates one and
   * returns it (the only time it is ever seen); otherwise returns null.
   */
  async ensureRootKey(): Promise<string | null> {
    if (this.configuredRootHash !== null) return null;
    if ((await this.storedRootKeys()).length > 0) return null;
    return (await this.create(null, "root")).key;
  }

  private async lookup(id: string): Promise<ApiKeyRecord | null> {
    const now = this.clock.now();
    const cached = this.cache.get(id);
    if (cached !== undefined && now - cached.at < CACHE_MS) return cached.record;
    const record = await this.store.get(id);
    if (this.cache.size > 10_000) this.cache.clear(); // unknown ids must not grow memory without bound
    this.cache.set(id, { record, at: now });
    return record;
  }
}
