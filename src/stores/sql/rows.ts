/**
 * Session records ↔ SQL rows, shared by the SQLite and PostgreSQL stores: the same
 * columns, JSON text for lists and objects, and one definition of effective status.
 */
import type { ActivityRecord, SessionChange, SessionRecord, SupersededSecret } from "../../core/model.js";
import type { ApiKeyRecord, JwtTemplateRecord, SigningKeyRecord } from "../../core/store/index.js";

export type Row = Record<string, unknown>;

/** SQL for the effective status of SPEC §3, evaluated at `@now`. */
export const EFFECTIVE_STATUS = `CASE WHEN status IN ('pending', 'active') THEN
  CASE WHEN abandon_at IS NOT NULL AND abandon_at <= @now AND abandon_at < expire_at THEN 'abandoned'
       WHEN expire_at <= @now THEN 'expired' ELSE status END
  ELSE status END`;

/**
 * A live status whose deadlines have not passed at `@now`: the index-friendly form of
 * EFFECTIVE_STATUS = status. `table` qualifies the columns (`s` gives `s.status`, …).
 */
export const STILL = (status: "active" | "pending" | "live", table?: string) => {
  const t = table === undefined ? "" : `${table}.`;
  return `${status === "live" ? `${t}status IN ('pending', 'active')` : `${t}status = '${status}'`} AND ${t}expire_at > @now AND (${t}abandon_at IS NULL OR ${t}abandon_at > @now)`;
};

/** How a dialect stores booleans: SQLite has none (0/1), PostgreSQL has its own. */
export type BooleanColumn = (value: boolean) => unknown;
export const sqliteBoolean: BooleanColumn = (value) => (value ? 1 : 0);
export const nativeBoolean: BooleanColumn = (value) => value;

const JSON_FIELDS = new Set(["scopes", "amr", "actor", "metadata"]);
const BOOLEAN_FIELDS = new Set(["slidingExpiration", "isDeleted"]);

function column(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function encodeSuperseded(list: SupersededSecret[]): string {
  return JSON.stringify(list.map((s) => ({ h: Buffer.from(s.hash).toString("base64"), t: s.supersededAt })));
}

function decodeSuperseded(text: string): SupersededSecret[] {
  return (JSON.parse(text) as { h: string; t: number }[]).map((s) => ({ hash: Buffer.from(s.h, "base64"), supersededAt: s.t }));
}

/** The latest activity with the denormalised columns that stats group by, always written together. */
export function activityColumns(a: ActivityRecord | null): Row {
  return {
    latest_activity: a === null ? null : JSON.stringify(a),
    country: a?.country ?? null,
    browser_name: a?.browserName ?? null,
    device_type: a?.deviceType ?? null,
    os_name: a?.osName ?? null,
  };
}

/** Column values for a change (or a whole record): every field maps to its column. */
export function toColumns(change: SessionChange | SessionRecord | object, bool: BooleanColumn): Row {
  const row: Row = {};
  for (const [field, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (field === "latestActivity") Object.assign(row, activityColumns(value as ActivityRecord | null));
    else if (field === "supersededSecrets") row.superseded_secrets = encodeSuperseded(value as SupersededSecret[]);
    else if (JSON_FIELDS.has(field)) row[column(field)] = value === null ? null : JSON.stringify(value);
    else if (BOOLEAN_FIELDS.has(field)) row[column(field)] = bool(value === true);
    else row[column(field)] = value;
  }
  return row;
}

/**
 * Builds rows from a statement's raw value arrays. better-sqlite3 sets a row object's
 * columns one by one from C++, which costs a third of a 42-column primary-key read; a
 * compiled object literal over the raw array builds the same row in a fraction of that.
 * The names come from the database's own schema (the statement's columns), never from input.
 */
export function rowReader(columns: readonly string[]): (values: readonly unknown[]) => Row {
  if (!columns.every((name) => /^[a-z_][a-z0-9_]*$/.test(name))) throw new Error("unexpected column name");
  return new Function("v", `return { ${columns.map((name, i) => `${name}: v[${i}]`).join(", ")} };`) as (values: readonly unknown[]) => Row;
}

export function toRecord(row: Row): SessionRecord {
  const json = <T>(name: string) => (row[name] === null ? null : (JSON.parse(row[name] as string) as T));
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    workspaceId: row.workspace_id as string | null,
    userId: row.user_id as string,
    username: row.username as string | null,
    clientId: row.client_id as string,
    status: row.status as SessionRecord["status"],
    endReason: row.end_reason as string | null,
    sessionType: row.session_type as SessionRecord["sessionType"],
    aud: row.aud as string | null,
    scopes: json<string[]>("scopes")!,
    amr: json<string[]>("amr")!,
    actor: json<Record<string, unknown>>("actor"),
    lastActiveOrganizationId: row.last_active_organization_id as string | null,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    location: row.location as string | null,
    boundUserAgent: row.bound_user_agent as string | null,
    slidingExpiration: row.sliding_expiration === 1 || row.sliding_expiration === true,
    maxAgeMinutes: row.max_age_minutes as number | null,
    latestActivity: json<ActivityRecord>("latest_activity"),
    metadata: json<Record<string, unknown>>("metadata")!,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    lastActiveAt: row.last_active_at as number,
    lastRefreshedAt: row.last_refreshed_at as number | null,
    expireAt: row.expire_at as number,
    abandonAt: row.abandon_at as number | null,
    revokedAt: row.revoked_at as number | null,
    endedAt: row.ended_at as number | null,
    isDeleted: row.is_deleted === 1 || row.is_deleted === true,
    secretHash: Buffer.from(row.secret_hash as Uint8Array),
    supersededSecrets: decodeSuperseded(row.superseded_secrets as string),
    version: row.version as number,
    startedAt: row.started_at as number,
    lifetimeMs: row.lifetime_ms as number,
    maxLifetimeMs: row.max_lifetime_ms as number,
    inactivityTimeoutMs: row.inactivity_timeout_ms as number | null,
  };
}

/** Rows of the key and template tables, the same in both SQL stores. */
export const apiKeyFromRow = (r: Row): ApiKeyRecord => ({
  id: r.id as string,
  tenantId: r.tenant_id as string | null,
  name: r.name as string | null,
  secretHash: Buffer.from(r.secret_hash as Uint8Array),
  createdAt: r.created_at as number,
  revokedAt: r.revoked_at as number | null,
});

export const signingKeyFromRow = (r: Row): SigningKeyRecord => ({
  kid: r.kid as string,
  algorithm: r.algorithm as string,
  publicJwk: JSON.parse(r.public_jwk as string) as Record<string, unknown>,
  encryptedPrivateKey: r.encrypted_private_key as string,
  createdAt: r.created_at as number,
  retireAt: r.retire_at as number | null,
});

export const templateFromRow = (r: Row): JwtTemplateRecord => ({
  tenantId: r.tenant_id as string,
  name: r.name as string,
  claims: JSON.parse(r.claims as string) as Record<string, unknown>,
  sessionFields: JSON.parse(r.session_fields as string) as string[],
  lifetimeSeconds: r.lifetime_seconds as number | null,
  createdAt: r.created_at as number,
  updatedAt: r.updated_at as number,
});
