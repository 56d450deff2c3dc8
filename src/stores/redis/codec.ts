/**
 * Session records ↔ Redis HASH fields: one field per record property, snake_case.
 * A null property is an absent field. Lists, objects and digests are JSON / base64
 * strings encoded here only: Lua never re-encodes them (its cjson turns `[]` into `{}`),
 * it only writes the few scalar fields it changes (see lua.ts).
 */
import type { ActivityRecord, SessionChange, SessionRecord, SupersededSecret } from "../../core/model.js";

type Kind = "text" | "number" | "boolean" | "json" | "bytes" | "secrets";

const KINDS: { [K in keyof SessionRecord]-?: Kind } = {
  id: "text",
  tenantId: "text",
  workspaceId: "text",
  userId: "text",
  username: "text",
  clientId: "text",
  status: "text",
  endReason: "text",
  sessionType: "text",
  aud: "text",
  scopes: "json",
  amr: "json",
  actor: "json",
  lastActiveOrganizationId: "text",
  ip: "text",
  userAgent: "text",
  location: "text",
  boundUserAgent: "text",
  slidingExpiration: "boolean",
  maxAgeMinutes: "number",
  latestActivity: "json",
  metadata: "json",
  createdAt: "number",
  updatedAt: "number",
  lastActiveAt: "number",
  lastRefreshedAt: "number",
  expireAt: "number",
  abandonAt: "number",
  revokedAt: "number",
  endedAt: "number",
  isDeleted: "boolean",
  secretHash: "bytes",
  supersededSecrets: "secrets",
  version: "number",
  startedAt: "number",
  lifetimeMs: "number",
  maxLifetimeMs: "number",
  inactivityTimeoutMs: "number",
};

const PROPERTIES = Object.keys(KINDS) as (keyof SessionRecord)[];

/** The HASH field of a record property: `expireAt` → `expire_at`. */
export function fieldOf(property: keyof SessionRecord): string {
  return property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Each property with its field and kind, worked out once: decoding a record is on the verify path. */
const COLUMNS = PROPERTIES.map((property) => ({ property, field: fieldOf(property), kind: KINDS[property] }));

function encode(kind: Kind, value: unknown): string {
  switch (kind) {
    case "text":
      return value as string;
    case "number":
      return String(value as number);
    case "boolean":
      return value ? "1" : "0";
    case "json":
      return JSON.stringify(value);
    case "bytes":
      return Buffer.from(value as Uint8Array).toString("base64");
    case "secrets":
      return JSON.stringify((value as SupersededSecret[]).map((s) => ({ h: Buffer.from(s.hash).toString("base64"), t: s.supersededAt })));
  }
}

function decode(kind: Kind, text: string): unknown {
  switch (kind) {
    case "text":
      return text;
    case "number":
      return Number(text);
    case "boolean":
      return text === "1";
    case "json":
      return JSON.parse(text);
    case "bytes":
      return Buffer.from(text, "base64");
    case "secrets":
      return (JSON.parse(text) as { h: string; t: number }[]).map((s) => ({ hash: Buffer.from(s.h, "base64"), supersededAt: s.t }));
  }
}

/** HSET arguments (field, value, …) for a whole record; null properties are left out. */
export function encodeRecord(record: SessionRecord): string[] {
  const args: string[] = [];
  for (const property of PROPERTIES) {
    const value = record[property];
    if (value !== null && value !== undefined) args.push(fieldOf(property), encode(KINDS[property], value));
  }
  return args;
}

/** A change as fields to set (field, value, …) and fields to delete (the properties it sets to null). */
export function encodeChange(change: SessionChange | Partial<SessionRecord>): { set: string[]; unset: string[] } {
  const set: string[] = [];
  const unset: string[] = [];
  for (const [property, value] of Object.entries(change) as [keyof SessionRecord, unknown][]) {
    if (value === undefined) continue;
    if (value === null) unset.push(fieldOf(property));
    else set.push(fieldOf(property), encode(KINDS[property], value));
  }
  return { set, unset };
}

/** An HGETALL reply as Lua returns it (field, value, …) → an object without a prototype (field names are data). */
export function hashOf(flat: readonly string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** The record held by an HGETALL reply, or null when the HASH does not exist. */
export function decodeRecord(hash: Record<string, string>): SessionRecord | null {
  if (hash.id === undefined) return null;
  const record: Record<string, unknown> = {};
  for (const { property, field, kind } of COLUMNS) {
    const text = hash[field];
    record[property] = text === undefined ? null : decode(kind, text);
  }
  return record as unknown as SessionRecord;
}

/** The properties lists, who-is-online and stats filter and count by, read with one HMGET per session. */
export const SUMMARY = [
  "tenantId",
  "userId",
  "username",
  "clientId",
  "workspaceId",
  "status",
  "expireAt",
  "abandonAt",
  "isDeleted",
  "createdAt",
  "lastActiveAt",
  "latestActivity",
] as const satisfies readonly (keyof SessionRecord)[];

export type Summary = Pick<SessionRecord, "id" | (typeof SUMMARY)[number]>;

export const SUMMARY_FIELDS = SUMMARY.map(fieldOf);

/** A summary from an HMGET of {@link SUMMARY_FIELDS}, or null when the record is gone. */
export function decodeSummary(id: string, values: (string | null)[]): Summary | null {
  if (values[SUMMARY.indexOf("status")] == null) return null;
  const summary: Record<string, unknown> = { id };
  SUMMARY.forEach((property, i) => {
    const text = values[i];
    summary[property] = text == null ? null : decode(KINDS[property], text);
  });
  return summary as unknown as Summary;
}

/** An activity as one LIST element. */
export function encodeActivity(activity: ActivityRecord): string {
  return JSON.stringify(activity);
}

export function decodeActivity(text: string): ActivityRecord {
  return JSON.parse(text) as ActivityRecord;
}
