/**
 * The Redis store's API keys: a HASH of JSON under the `{aux}` tag. The one field that changes
 * after creation, the revocation, lives in its own HASH and is written with HSETNX, so "set
 * once, keep the first" needs no script.
 */
import { SessiondError } from "../../core/errors.js";
import type { ApiKeyRecord, ApiKeyStore } from "../../core/store/index.js";
import type { RedisContext } from "./context.js";

type StoredApiKey = Omit<ApiKeyRecord, "secretHash"> & { secretHash: string };

function decode(json: string, revokedAt: string | null): ApiKeyRecord {
  const stored = JSON.parse(json) as StoredApiKey;
  return { ...stored, secretHash: Buffer.from(stored.secretHash, "base64"), revokedAt: revokedAt === null ? stored.revokedAt : Number(revokedAt) };
}

export class RedisApiKeys implements ApiKeyStore {
  constructor(private readonly ctx: RedisContext) {}

  private get keys() {
    return this.ctx.keys;
  }

  async insert(key: ApiKeyRecord): Promise<void> {
    const stored: StoredApiKey = { ...key, secretHash: Buffer.from(key.secretHash).toString("base64") };
    const added = await this.ctx.conn.run((c) => c.hsetnx(this.keys.apiKeys(), key.id, JSON.stringify(stored)));
    if (added === 0) throw new SessiondError("conflict", "api key id already exists");
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const [json, revokedAt] = await this.ctx.conn.run((c) => Promise.all([c.hget(this.keys.apiKeys(), id), c.hget(this.keys.apiKeyRevocations(), id)]));
    return json === null ? null : decode(json, revokedAt);
  }

  async list(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    const [all, revoked] = await this.ctx.conn.run((c) => Promise.all([c.hgetall(this.keys.apiKeys()), c.hgetall(this.keys.apiKeyRevocations())]));
    return Object.entries(all)
      .map(([id, json]) => decode(json, Object.hasOwn(revoked, id) ? revoked[id]! : null))
      .filter((k) => tenantId === undefined || k.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async revoke(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    const current = await this.get(id);
    if (current === null) return null;
    // Keys are never deleted, so once one exists the revocation can be set on its own; HSETNX keeps the first instant.
    if (current.revokedAt === null) await this.ctx.conn.run((c) => c.hsetnx(this.keys.apiKeyRevocations(), id, String(atMs)));
    return this.get(id);
  }
}
