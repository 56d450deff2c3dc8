/** API-key authentication and the tenant rules of SPEC §5. */
import type { FastifyRequest } from "fastify";
import { type ApiKeys, type Principal, ROOT_KEY_ID } from "../core/api-keys.js";
import type { RateLimiter } from "../core/rate-limit.js";
import type { Scope } from "../core/context.js";
import { DEFAULT_TENANT_ID } from "../core/defaults.js";
import { definedOnly } from "../core/defined-only.js";
import { SessiondError } from "../core/errors.js";
import type { InitiatedBy } from "../core/events.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** What authenticating a request needs: every route module's deps include these. */
export interface AuthDeps {
  apiKeys: ApiKeys;
  /** Counts requests per key, when a limit is set. */
  rateLimiter?: RateLimiter | undefined;
}

/** What the rules below read of a request: the principal the authenticator set. */
export type Authenticated = Pick<FastifyRequest, "principal">;

/**
 * The principal of an `Authorization: Bearer <key>` header, or `api_key_invalid`; then counts
 * the request against the key's rate limit, if one is set (`rate_limited`).
 */
export function principalFinder(deps: AuthDeps) {
  return async (header: string | undefined): Promise<Principal> => {
    const match = typeof header === "string" ? /^Bearer ([\x21-\x7e]+)$/i.exec(header) : null;
    const principal = match === null ? null : await deps.apiKeys.authenticate(match[1]);
    if (principal === null) throw new SessiondError("api_key_invalid", "missing, malformed, unknown or revoked API key");
    deps.rateLimiter?.request(principal.keyId);
    return principal;
  };
}

/** The onRequest hook of every authenticated route: sets `request.principal` (see {@link principalFinder}). */
export function authenticator(deps: AuthDeps) {
  const find = principalFinder(deps);
  return async (request: FastifyRequest): Promise<void> => {
    request.principal = await find(request.headers.authorization);
  };
}

/** The key a request authenticated with (after the authenticator ran). */
export function keyIdOf(request: Authenticated): string {
  return principalOf(request).keyId;
}

function principalOf(request: Authenticated): Principal {
  if (request.principal === null) throw new SessiondError("api_key_invalid", "missing API key");
  return request.principal;
}

/** Root-only routes refuse tenant keys. */
export function requireRoot(request: Authenticated): void {
  if (principalOf(request).tenantId !== null) throw new SessiondError("root_key_required", "this route needs the root key");
}

/** A tenant key may only name its own tenant. */
function checkTenant(principal: Principal, requested: string | undefined): void {
  if (principal.tenantId !== null && requested !== undefined && requested !== principal.tenantId)
    throw new SessiondError("tenant_forbidden", "this key belongs to another tenant");
}

/** The tenant a tenant-scoped call acts on: the key's own, or for root the named one (default `default`). */
export function tenantOf(request: Authenticated, requested: string | undefined): string {
  const principal = principalOf(request);
  checkTenant(principal, requested);
  return principal.tenantId ?? requested ?? DEFAULT_TENANT_ID;
}

/** The scope of a by-id or cross-tenant call: a tenant key sees its tenant; root sees all unless it names one. */
export function scopeOf(request: Authenticated, requested: string | undefined): Scope {
  const principal = principalOf(request);
  checkTenant(principal, requested);
  return { ...definedOnly({ tenantId: principal.tenantId ?? requested }), initiatedBy: initiatorOf(request) };
}

/** Who a call's events name: the API key (null for the root key given by the environment, which has no id). */
export function initiatorOf(request: Authenticated): InitiatedBy {
  const { keyId } = principalOf(request);
  return { type: "api_key", id: keyId === ROOT_KEY_ID ? null : keyId };
}
