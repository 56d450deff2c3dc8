/**
 * Tenant policy and deployment settings (SPEC §3 "Policy"): defaults, validation, bounds,
 * and the lifetimes a new session gets. Pure; no I/O.
 */
import { SessiondError } from "./errors.js";
import type { SessionType } from "./model.js";

/** A tenant's session policy, resolved against the deployment defaults. */
export interface Policy {
  lifetimeMs: number;
  /** Absolute cap on any session's life, and the bound for per-session overrides. */
  maxLifetimeMs: number;
  /** null: no inactivity timeout. */
  inactivityTimeoutMs: number | null;
  slidingExpiration: boolean;
  /** null: no limit. */
  maxSessionsPerUser: number | null;
  bindUserAgent: boolean;
  pendingTimeoutMs: number;
}

/** A tenant's stored overrides: an absent field means the deployment default, null means off. */
export type TenantPolicy = { [K in keyof Policy]?: Policy[K] };

/** Deployment-wide settings: the policy defaults plus the knobs that are not per tenant. */
export interface Settings extends Policy {
  /** Activity is recorded at most this often while IP and UA stay the same. */
  activityResolutionMs: number;
  /** How long a superseded secret still verifies after a refresh. */
  refreshGraceMs: number;
  /** How long terminal sessions are kept for audit before the sweeper purges them. */
  retentionMs: number;
  /** How long the event feed keeps an event (SPEC §9). */
  eventRetentionMs: number;
  /** How many activities each session's history keeps. */
  activityHistoryLimit: number;
  /** How many sessions one sweep batch touches. */
  sweepBatchSize: number;
  /**
   * A hard ceiling on a user's active sessions, whatever the policy says (abuse control:
   * without it a user without a limit could pile up sessions without end). Beyond it the
   * least recently active are removed, as with `maxSessionsPerUser`.
   */
  userSessionCap: number;
}

const NULLABLE_POLICY_FIELDS = new Set<keyof Policy>(["inactivityTimeoutMs", "maxSessionsPerUser"]);
const POLICY_FIELDS: readonly (keyof Policy)[] = [
  "lifetimeMs",
  "maxLifetimeMs",
  "inactivityTimeoutMs",
  "slidingExpiration",
  "maxSessionsPerUser",
  "bindUserAgent",
  "pendingTimeoutMs",
];

/** Checks a tenant policy's shape and bounds; throws `request_invalid` or `policy_out_of_bounds`. */
export function validateTenantPolicy(input: TenantPolicy): TenantPolicy {
  const out: TenantPolicy = {};
  for (const key of Object.keys(input) as (keyof Policy)[]) {
    if (!POLICY_FIELDS.includes(key)) throw new SessiondError("request_invalid", `unknown policy field ${key}`);
    const value = input[key];
    if (value === undefined) continue;
    if (value === null) {
      if (!NULLABLE_POLICY_FIELDS.has(key)) throw new SessiondError("request_invalid", `${key} cannot be null`);
    } else if (key === "slidingExpiration" || key === "bindUserAgent") {
      if (typeof value !== "boolean") throw new SessiondError("request_invalid", `${key} must be a boolean`);
    } else if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new SessiondError("policy_out_of_bounds", `${key} must be a positive integer`);
    }
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** The effective policy of a tenant: deployment defaults overridden by the tenant's stored fields. */
export function resolvePolicy(defaults: Policy, tenant: TenantPolicy | null): Policy {
  const policy: Policy = {
    lifetimeMs: defaults.lifetimeMs,
    maxLifetimeMs: defaults.maxLifetimeMs,
    inactivityTimeoutMs: defaults.inactivityTimeoutMs,
    slidingExpiration: defaults.slidingExpiration,
    maxSessionsPerUser: defaults.maxSessionsPerUser,
    bindUserAgent: defaults.bindUserAgent,
    pendingTimeoutMs: defaults.pendingTimeoutMs,
  };
  if (tenant !== null) Object.assign(policy, stripUndefined(tenant));
  return policy;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Per-session overrides accepted on create (SPEC §3 "Policy"). */
export interface SessionOverrides {
  lifetimeMs?: number;
  inactivityTimeoutMs?: number | null;
  slidingExpiration?: boolean;
  bindUserAgent?: boolean;
  maxAgeMinutes?: number | null;
}

/** The lifetimes a new session gets, fixed at creation. */
export interface SessionLifetimes {
  lifetimeMs: number;
  maxLifetimeMs: number;
  inactivityTimeoutMs: number | null;
  slidingExpiration: boolean;
  bindUserAgent: boolean;
  maxAgeMinutes: number | null;
}

/** Types that have no inactivity timeout (SPEC §3 "Session types"). */
const NO_INACTIVITY_TYPES: ReadonlySet<SessionType> = new Set(["service_account", "api_key"]);

/**
 * Applies a create request's overrides to the tenant policy. Anything above the
 * tenant's `maxLifetimeMs` is refused with `policy_out_of_bounds`, never clamped.
 */
export function sessionLifetimes(policy: Policy, overrides: SessionOverrides, type: SessionType | null): SessionLifetimes {
  const outOfBounds = (field: string, ms: number) => {
    if (!Number.isSafeInteger(ms) || ms < 1000 || ms > policy.maxLifetimeMs)
      throw new SessiondError("policy_out_of_bounds", `${field} must be between 1 second and the tenant's max lifetime (${policy.maxLifetimeMs / 1000} s)`, {
        details: { field, maxLifetimeSeconds: policy.maxLifetimeMs / 1000 },
      });
  };
  const lifetimeMs = overrides.lifetimeMs ?? Math.min(policy.lifetimeMs, policy.maxLifetimeMs);
  if (overrides.lifetimeMs !== undefined) outOfBounds("lifetime_seconds", overrides.lifetimeMs);
  let inactivityTimeoutMs = overrides.inactivityTimeoutMs === undefined ? policy.inactivityTimeoutMs : overrides.inactivityTimeoutMs;
  if (overrides.inactivityTimeoutMs !== undefined && overrides.inactivityTimeoutMs !== null) {
    outOfBounds("inactivity_timeout_seconds", overrides.inactivityTimeoutMs);
    if (type !== null && NO_INACTIVITY_TYPES.has(type))
      throw new SessiondError("policy_out_of_bounds", `${type} sessions have no inactivity timeout`, {
        details: { field: "inactivity_timeout_seconds" },
      });
  }
  if (type !== null && NO_INACTIVITY_TYPES.has(type)) inactivityTimeoutMs = null;
  const maxAgeMinutes = overrides.maxAgeMinutes ?? null;
  if (maxAgeMinutes !== null) {
    if (!Number.isSafeInteger(maxAgeMinutes)) throw new SessiondError("request_invalid", "max_age_minutes must be an integer");
    outOfBounds("max_age_minutes", maxAgeMinutes * 60_000);
  }
  return {
    lifetimeMs,
    maxLifetimeMs: policy.maxLifetimeMs,
    inactivityTimeoutMs,
    slidingExpiration: overrides.slidingExpiration ?? policy.slidingExpiration,
    bindUserAgent: overrides.bindUserAgent ?? policy.bindUserAgent,
    maxAgeMinutes,
  };
}

/**
 * A tenant may tighten the deployment's limits but not widen its absolute cap, and its
 * own lifetimes must fit under its max lifetime.
 */
export function checkPolicyBounds(settings: Settings, overrides: TenantPolicy): void {
  const effective = resolvePolicy(settings, overrides);
  const refuse = (field: string, message: string) => {
    throw new SessiondError("policy_out_of_bounds", `${field} ${message}`, { details: { field } });
  };
  if (effective.maxLifetimeMs > settings.maxLifetimeMs) refuse("max_lifetime_seconds", `must not exceed the deployment's ${settings.maxLifetimeMs / 1000} s`);
  if (effective.lifetimeMs > effective.maxLifetimeMs) refuse("lifetime_seconds", `must not exceed max_lifetime_seconds (${effective.maxLifetimeMs / 1000} s)`);
  if (effective.inactivityTimeoutMs !== null && effective.inactivityTimeoutMs > effective.maxLifetimeMs)
    refuse("inactivity_timeout_seconds", `must not exceed max_lifetime_seconds (${effective.maxLifetimeMs / 1000} s)`);
}
