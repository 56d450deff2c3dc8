/** The JWT-template role of the store contract (its one consumer: src/core/jwt-templates.ts). */

/** A tenant's named JWT claim set. */
export interface JwtTemplateRecord {
  tenantId: string;
  name: string;
  claims: Record<string, unknown>;
  sessionFields: string[];
  lifetimeSeconds: number | null;
  createdAt: number;
  updatedAt: number;
}

/** JWT templates, unique by (tenant, name). */
export interface TemplateStore {
  /** MUST store the template, replacing the tenant's template of that name whole. */
  put(template: JwtTemplateRecord): Promise<void>;

  /** MUST return the tenant's template of that name, or null. */
  get(tenantId: string, name: string): Promise<JwtTemplateRecord | null>;

  /** MUST list the tenant's templates, by name. */
  list(tenantId: string): Promise<JwtTemplateRecord[]>;

  /** MUST remove the tenant's template of that name and return whether there was one. */
  delete(tenantId: string, name: string): Promise<boolean>;
}
