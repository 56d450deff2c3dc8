/**
 * A tenant's JWT templates: named claim sets for `/tokens/{template}` (SPEC §5).
 */
import type { ServiceContext } from "./context.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import { isTemplateSessionField, MAX_JWT_LIFETIME_SECONDS, MIN_JWT_LIFETIME_SECONDS, RESERVED_CLAIMS, TEMPLATE_SESSION_FIELDS } from "./jwt-claims.js";
import type { JwtTemplateRecord } from "./store/index.js";

/** A template as a tenant defines it. */
export interface JwtTemplateInput {
  claims?: Record<string, unknown>;
  sessionFields?: string[];
  lifetimeSeconds?: number | null;
}

export const TEMPLATE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export async function loadTemplate(ctx: ServiceContext, tenantId: string, name: string): Promise<JwtTemplateRecord> {
  const template = await ctx.templates.get(tenantId, templateName(name));
  if (template === null) throw new SessiondError("resource_not_found", "no such JWT template", { details: { template: name } });
  return template;
}

function templateName(value: unknown): string {
  if (typeof value !== "string" || !TEMPLATE_NAME_PATTERN.test(value))
    throw new SessiondError("request_invalid", "name must be 1–64 letters, digits, '_', '.' or '-'", { details: { field: "name" } });
  return value;
}

function templateClaimsInput(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  const claims = input.jsonObject("claims", value);
  const reserved = Object.keys(claims).filter((k) => (RESERVED_CLAIMS as readonly string[]).includes(k));
  if (reserved.length > 0)
    throw new SessiondError("request_invalid", `claims may not set ${reserved.join(", ")}: sessiond sets them`, { details: { field: "claims" } });
  return claims;
}

function sessionFieldsInput(value: unknown): string[] {
  const fields = input.stringList("session_fields", value, { maxItems: Object.keys(TEMPLATE_SESSION_FIELDS).length, maxLength: 32 });
  const unknown = fields.filter((f) => !isTemplateSessionField(f));
  if (unknown.length > 0)
    throw new SessiondError("request_invalid", `session_fields: unknown ${unknown.join(", ")}; known: ${Object.keys(TEMPLATE_SESSION_FIELDS).join(", ")}`, {
      details: { field: "session_fields" },
    });
  return [...new Set(fields)];
}

function lifetimeInput(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_JWT_LIFETIME_SECONDS || value > MAX_JWT_LIFETIME_SECONDS)
    throw new SessiondError("request_invalid", `lifetime_seconds must be an integer from ${MIN_JWT_LIFETIME_SECONDS} to ${MAX_JWT_LIFETIME_SECONDS}`, {
      details: { field: "lifetime_seconds" },
    });
  return value;
}

/** The tenant's templates, by name. */
export async function listTemplates(ctx: ServiceContext, tenantId: string): Promise<JwtTemplateRecord[]> {
  return (await ctx.templates.list(input.tenantId(tenantId))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function getTemplate(ctx: ServiceContext, tenantId: string, name: string): Promise<JwtTemplateRecord> {
  return loadTemplate(ctx, input.tenantId(tenantId), name);
}

/** Creates or replaces a template; fields left out take their defaults. */
export async function putTemplate(ctx: ServiceContext, tenantId: string, name: string, template: JwtTemplateInput): Promise<JwtTemplateRecord> {
  const tenant = input.tenantId(tenantId);
  const key = templateName(name);
  const existing = await ctx.templates.get(tenant, key);
  const now = ctx.clock.now();
  const record: JwtTemplateRecord = {
    tenantId: tenant,
    name: key,
    claims: templateClaimsInput(template.claims),
    sessionFields: sessionFieldsInput(template.sessionFields),
    lifetimeSeconds: lifetimeInput(template.lifetimeSeconds),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await ctx.templates.put(record);
  return record;
}

/** Changes only the fields given. */
export async function patchTemplate(ctx: ServiceContext, tenantId: string, name: string, patch: JwtTemplateInput): Promise<JwtTemplateRecord> {
  const existing = await getTemplate(ctx, tenantId, name);
  return putTemplate(ctx, tenantId, name, {
    claims: patch.claims ?? existing.claims,
    sessionFields: patch.sessionFields ?? existing.sessionFields,
    lifetimeSeconds: patch.lifetimeSeconds === undefined ? existing.lifetimeSeconds : patch.lifetimeSeconds,
  });
}

export async function deleteTemplate(ctx: ServiceContext, tenantId: string, name: string): Promise<JwtTemplateRecord> {
  const existing = await getTemplate(ctx, tenantId, name);
  await ctx.templates.delete(existing.tenantId, existing.name);
  return existing;
}

/** A tenant's JWT templates (`sessions.templates`). */
export interface Templates {
  list(tenantId: string): Promise<JwtTemplateRecord[]>;
  get(tenantId: string, name: string): Promise<JwtTemplateRecord>;
  put(tenantId: string, name: string, template: JwtTemplateInput): Promise<JwtTemplateRecord>;
  patch(tenantId: string, name: string, patch: JwtTemplateInput): Promise<JwtTemplateRecord>;
  delete(tenantId: string, name: string): Promise<JwtTemplateRecord>;
}

/** The templates verbs over the service's context. */
export function templatesOf(ctx: ServiceContext): Templates {
  return {
    list: (tenantId) => listTemplates(ctx, tenantId),
    get: (tenantId, name) => getTemplate(ctx, tenantId, name),
    put: (tenantId, name, template) => putTemplate(ctx, tenantId, name, template),
    patch: (tenantId, name, patch) => patchTemplate(ctx, tenantId, name, patch),
    delete: (tenantId, name) => deleteTemplate(ctx, tenantId, name),
  };
}
