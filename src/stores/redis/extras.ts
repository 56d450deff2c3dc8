/**
 * What the Redis store keeps besides sessions: tenant policies, API keys, signing keys
 * and JWT templates, as HASHes of JSON under the `{aux}` tag. The one field that changes
 * after creation (an API key's revocation, a signing key's retirement) lives in its own
 * HASH and is written with HSETNX, so "set once, keep the first" needs no script.
 */
import { SessiondError } from "../../core/errors.js";
import type { TenantPolicy } from "../../core/policy.js";
import type { ApiKeyRecord, JwtTemplateRecord, SigningKeyRecord } from "../../core/store.js";
import type { RedisContext } from "./context.js";

type StoredApiKey = Omit<ApiKeyRecord, "secretHash"> & { secretHash: string };

function apiKey(json: string, revokedAt: string | null): ApiKeyRecord {
  const stored = JSON.parse(json) as StoredApiKey;
  return { ...stored, secretHash: Buffer.from(stored.secretHash, "base64"), revokedAt: revokedAt === null ? stored.revokedAt : Number(revokedAt) };
}

function signingKey(json: string, retireAt: string | null): SigningKeyRecord {
  const stored = JSON.parse(json) as SigningKeyRecord;
  return { ...stored, retireAt: retireAt === null ? stored.retireAt : Number(retireAt) };
}

export class RedisExtras {
  constructor(private readonly ctx: RedisContext) {}

  private get keys() {
    return this.ctx.keys;
  }

  async getPolicy(tenantId: string): Promise<TenantPolicy | null> {
    const json = await this.ctx.conn.run((c) => c.hget(this.keys.policies(), tenantId));
    return json === null ? null : (JSON.parse(json) as TenantPolicy);
  }

  async putPolicy(tenantId: string, policy: TenantPolicy): Promise<void> {
    await this.ctx.conn.run((c) => c.hset(this.keys.policies(), tenantId, JSON.stringify(policy)));
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    const stored: StoredApiKey = { ...key, secretHash: Buffer.from(key.secretHash).toString("base64") };
    const added = await this.ctx.conn.run((c) => c.hsetnx(this.keys.apiKeys(), key.id, JSON.stringify(stored)));
    if (added === 0) throw new SessiondError("conflict", "api key id already exists");
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const [json, revokedAt] = await this.ctx.conn.run((c) => Promise.all([c.hget(this.keys.apiKeys(), id), c.hget(this.keys.apiKeyRevocations(), id)]));
    return json === null ? null : apiKey(json, revokedAt);
  }

  async listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    const [all, revoked] = await this.ctx.conn.run((c) => Promise.all([c.hgetall(this.keys.apiKeys()), c.hgetall(this.keys.apiKeyRevocations())]));
    return Object.entries(all)
      .map(([id, json]) => apiKey(json, Object.hasOwn(revoked, id) ? revoked[id]! : null))
      .filter((k) => tenantId === undefined || k.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    const current = await this.getApiKey(id);
    if (current === null) return null;
    // Keys are never deleted, so once one exists the revocation can be set on its own; HSETNX keeps the first instant.
    if (current.revokedAt === null) await this.ctx.conn.run((c) => c.hsetnx(this.keys.apiKeyRevocations(), id, String(atMs)));
    return this.getApiKey(id);
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    const added = await this.ctx.conn.run((c) => c.hsetnx(this.keys.signingKeys(), key.kid, JSON.stringify(key)));
    if (added === 0) throw new SessiondError("conflict", "signing key id already exists");
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const [all, retired] = await this.ctx.conn.run((c) => Promise.all([c.hgetall(this.keys.signingKeys()), c.hgetall(this.keys.signingKeyRetirements())]));
    return Object.entries(all)
      .map(([kid, json]) => signingKey(json, Object.hasOwn(retired, kid) ? retired[kid]! : null))
      .sort((a, b) => a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : 1));
  }

  async retireSigningKey(kid: string, retireAt: number): Promise<void> {
    const json = await this.ctx.conn.run((c) => c.hget(this.keys.signingKeys(), kid));
    if (json === null || signingKey(json, null).retireAt !== null) return;
    await this.ctx.conn.run((c) => c.hsetnx(this.keys.signingKeyRetirements(), kid, String(retireAt)));
  }

  async deleteSigningKey(kid: string): Promise<void> {
    // Both HASHes share the {aux} slot, so one MULTI removes the key and its retirement together.
    await this.ctx.conn.run((c) => c.multi().hdel(this.keys.signingKeys(), kid).hdel(this.keys.signingKeyRetirements(), kid).exec());
  }

  async putTemplate(t: JwtTemplateRecord): Promise<void> {
    await this.ctx.conn.run((c) => c.hset(this.keys.templates(t.tenantId), t.name, JSON.stringify(t)));
  }

  async getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    const json = await this.ctx.conn.run((c) => c.hget(this.keys.templates(tenantId), name));
    return json === null ? null : (JSON.parse(json) as JwtTemplateRecord);
  }

  async listTemplates(tenantId: string): Promise<JwtTemplateRecord[]> {
    const all = await this.ctx.conn.run((c) => c.hvals(this.keys.templates(tenantId)));
    return all.map((json) => JSON.parse(json) as JwtTemplateRecord).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async deleteTemplate(tenantId: string, name: string): Promise<boolean> {
    return (await this.ctx.conn.run((c) => c.hdel(this.keys.templates(tenantId), name))) > 0;
  }
}
