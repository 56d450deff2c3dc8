/** The Redis store's JWT templates: one HASH of JSON per tenant, by name. */
import type { JwtTemplateRecord, TemplateStore } from "../../core/store/index.js";
import type { RedisContext } from "./context.js";

export class RedisTemplates implements TemplateStore {
  constructor(private readonly ctx: RedisContext) {}

  async put(t: JwtTemplateRecord): Promise<void> {
    await this.ctx.conn.run((c) => c.hset(this.ctx.keys.templates(t.tenantId), t.name, JSON.stringify(t)));
  }

  async get(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    const json = await this.ctx.conn.run((c) => c.hget(this.ctx.keys.templates(tenantId), name));
    return json === null ? null : (JSON.parse(json) as JwtTemplateRecord);
  }

  async list(tenantId: string): Promise<JwtTemplateRecord[]> {
    const all = await this.ctx.conn.run((c) => c.hvals(this.ctx.keys.templates(tenantId)));
    return all.map((json) => JSON.parse(json) as JwtTemplateRecord).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    return (await this.ctx.conn.run((c) => c.hdel(this.ctx.keys.templates(tenantId), name))) > 0;
  }
}
