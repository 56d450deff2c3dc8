/** The memory store's API keys. */
import { SessiondError } from "../../core/errors.js";
import type { ApiKeyRecord, ApiKeyStore } from "../../core/store/index.js";

const copy = (k: ApiKeyRecord): ApiKeyRecord => ({ ...k, secretHash: Buffer.from(k.secretHash) });

export class MemoryApiKeys implements ApiKeyStore {
  private readonly keys = new Map<string, ApiKeyRecord>();

  async insert(key: ApiKeyRecord): Promise<void> {
    if (this.keys.has(key.id)) throw new SessiondError("conflict", "api key id already exists");
    this.keys.set(key.id, copy(key));
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const k = this.keys.get(id);
    return k === undefined ? null : copy(k);
  }

  async list(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    return [...this.keys.values()]
      .filter((k) => tenantId === undefined || k.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(copy);
  }

  async revoke(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    const k = this.keys.get(id);
    if (k === undefined) return null;
    k.revokedAt ??= atMs;
    return copy(k);
  }
}
