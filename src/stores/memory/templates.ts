/** The memory store's JWT templates. */
import type { JwtTemplateRecord, TemplateStore } from "../../core/store/index.js";

const keyOf = (tenantId: string, name: string) => `${tenantId}\0${name}`;

export class MemoryTemplates implements TemplateStore {
  private readonly templates = new Map<string, JwtTemplateRecord>();

  async put(template: JwtTemplateRecord): Promise<void> {
    this.templates.set(keyOf(template.tenantId, template.name), structuredClone(template));
  }

  async get(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    const t = this.templates.get(keyOf(tenantId, name));
    return t === undefined ? null : structuredClone(t);
  }

  async list(tenantId: string): Promise<JwtTemplateRecord[]> {
    return [...this.templates.values()]
      .filter((t) => t.tenantId === tenantId)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((t) => structuredClone(t));
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    return this.templates.delete(keyOf(tenantId, name));
  }
}
