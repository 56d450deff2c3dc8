/**
 * Checks of caller input that every way in shares (library, REST, CLI), so the
 * library refuses what the REST schemas refuse, with the same codes.
 */
import { SessiondError } from "./errors.js";
import { type JsonField, LIMITS, type ListField, type TextField } from "./limits.js";
import { type ClientHints, SESSION_TYPES, type SessionType } from "./model.js";
import { SESSION_ID_PATTERN } from "./session-token.js";

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
// Control characters (NUL included) and lone surrogates break logs, terminals and some stores.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: input holding them is refused.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Longest user agent kept; longer ones are cut here on create and on every use, so binding still compares like with like. */
export const MAX_USER_AGENT_LENGTH = LIMITS.cut.user_agent;
/** Largest serialized `metadata` (SPEC §2). */
export const MAX_METADATA_BYTES = LIMITS.jsonBytes.metadata;

function invalid(field: string, message: string): SessiondError {
  return new SessiondError("request_invalid", `${field} ${message}`, { details: { field } });
}

/** A non-empty string within the field's length limit, without control characters. */
export function text(field: TextField, value: unknown): string {
  return boundedText(field, value, LIMITS.text[field]);
}

function boundedText(field: string, value: unknown, max: number): string {
  if (typeof value !== "string") throw invalid(field, "must be a string");
  if (value.length === 0 || value.length > max) throw invalid(field, `must be 1 to ${max} characters`);
  if (UNSAFE_TEXT.test(value)) throw invalid(field, "must not contain control characters or unpaired surrogates");
  return value;
}

/**
 * The end reasons sessiond itself writes (SPEC §2). An app may not give one on revoke, so
 * `end_reason` always tells a system end from an app's. Plain `revoke` writes `revoked`.
 */
export const SYSTEM_END_REASONS = [
  "signed_out",
  "revoked",
  "user_revoked",
  "token_reused",
  "expired",
  "abandoned",
  "session_limit",
  "user_removed",
  "replaced",
  "deleted",
  "one_time_used",
  "dbsc_proof_failed",
] as const;

/** An app's revoke reason: text, and not a system reason in any case or padding (a look-alike would mislead readers of `end_reason`). */
export function revokeReason(value: unknown): string {
  const reason = text("reason", value);
  if ((SYSTEM_END_REASONS as readonly string[]).includes(reason.trim().toLowerCase()))
    throw invalid("reason", `must not be a reason sessiond gives itself (${SYSTEM_END_REASONS.join(", ")}); omit it to record "revoked"`);
  return reason;
}

/** Like {@link text}, but null and undefined pass as null. */
export function optionalText(field: TextField, value: unknown): string | null {
  return value === undefined || value === null ? null : text(field, value);
}

export function tenantId(value: unknown, field = "tenant_id"): string {
  if (typeof value !== "string" || !TENANT_ID_PATTERN.test(value)) throw invalid(field, "must match ^[a-z0-9][a-z0-9_-]{0,62}$");
  return value;
}

export function sessionId(value: unknown, field = "session_id"): string {
  if (typeof value !== "string" || !SESSION_ID_PATTERN.test(value)) throw invalid(field, "is not a session id");
  return value;
}

export function clientId(value: unknown): string {
  if (typeof value !== "string" || !CLIENT_ID_PATTERN.test(value)) throw invalid("client_id", "must match ^[A-Za-z0-9_.:-]{1,128}$");
  return value;
}

export function sessionType(value: unknown): SessionType | null {
  if (value === undefined || value === null) return null;
  if (!(SESSION_TYPES as readonly unknown[]).includes(value)) throw invalid("session_type", `must be one of ${SESSION_TYPES.join(", ")}`);
  return value as SessionType;
}

/** A list of text within the field's limits (or, for a list the table does not hold, the `bounds` given). */
export function stringList(field: ListField, value: unknown): string[];
export function stringList(field: string, value: unknown, bounds: { maxItems: number; maxLength: number }): string[];
export function stringList(field: string, value: unknown, bounds: { maxItems: number; maxLength: number } = LIMITS.lists[field as ListField]): string[] {
  const { maxItems, maxLength } = bounds;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > maxItems) throw invalid(field, `must be an array of at most ${maxItems} strings`);
  return value.map((item, i) => boundedText(`${field}[${i}]`, item, maxLength));
}

export function bool(field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid(field, "must be a boolean");
  return value;
}

/** A positive integer count of milliseconds (or null where "off" is allowed). */
export function durationMs(field: string, value: unknown, nullable: boolean): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw invalid(field, "must be a positive integer");
  return value;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

/** Whether `text` is a dotted-quad IPv4 or an IPv6 address (with `::` and an embedded IPv4 tail allowed). */
export function isIpAddress(text: string): boolean {
  if (IPV4.test(text)) return true;
  if (text.length > LIMITS.strings.ip || !text.includes(":")) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const all = groups.flat();
  const last = all.at(-1);
  const v4Tail = last?.includes(".");
  if (v4Tail && !IPV4.test(last!)) return false;
  const hextets = v4Tail ? all.slice(0, -1) : all;
  if (!hextets.every((h) => HEXTET.test(h))) return false;
  const size = hextets.length + (v4Tail ? 2 : 0);
  return halves.length === 2 ? size <= 7 : size === 8;
}

/** An IP address: IPv4 or IPv6, else `request_invalid`. */
export function ip(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !isIpAddress(value)) throw invalid("ip", "must be an IPv4 or IPv6 address");
  return value;
}

/** A user agent, cut to {@link MAX_USER_AGENT_LENGTH}; control characters are refused. */
export function userAgent(value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") throw invalid("user_agent", "must be a string");
  const cut = value.length > MAX_USER_AGENT_LENGTH ? value.slice(0, MAX_USER_AGENT_LENGTH) : value;
  if (UNSAFE_TEXT.test(cut)) throw invalid("user_agent", "must not contain control characters");
  return cut;
}

const CLIENT_HINT_FIELDS = [
  ["secChUa", "sec_ch_ua"],
  ["secChUaMobile", "sec_ch_ua_mobile"],
  ["secChUaPlatform", "sec_ch_ua_platform"],
] as const;

/** Forwarded client hints: the text rules of other fields (they feed browser and OS names that stores keep). */
export function clientHints(value: unknown): ClientHints | null {
  if (value === undefined || value === null) return null;
  const hints = plainObject("client_hints", value);
  const known = new Set<string>(CLIENT_HINT_FIELDS.map(([name]) => name));
  const unknown = Object.keys(hints).find((name) => !known.has(name));
  if (unknown !== undefined) throw invalid(`client_hints.${unknown}`, "is not a known field");
  const out: ClientHints = {};
  for (const [name, wire] of CLIENT_HINT_FIELDS) {
    const max = LIMITS.strings[wire];
    const hint = hints[name];
    if (hint === undefined) continue;
    const field = `client_hints.${wire}`;
    if (typeof hint !== "string") throw invalid(field, "must be a string");
    if (hint.length > max) throw invalid(field, `must be at most ${max} characters`);
    if (UNSAFE_TEXT.test(hint)) throw invalid(field, "must not contain control characters or unpaired surrogates");
    out[name] = hint;
  }
  return out;
}

function plainObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be an object");
  return value as Record<string, unknown>;
}

function jsonBytes(field: string, value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    throw invalid(field, "must be JSON-serialisable");
  }
}

/** App data: a JSON object of at most 16 KiB serialized, else `metadata_too_large`. */
export function metadata(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  const object = plainObject("metadata", value);
  if (jsonBytes("metadata", object) > MAX_METADATA_BYTES)
    throw new SessiondError("metadata_too_large", `metadata must be at most ${MAX_METADATA_BYTES} bytes serialized`, {
      details: { maxBytes: MAX_METADATA_BYTES },
    });
  return object;
}

export function actor(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  return jsonObject("actor", value);
}

/** A JSON object within the field's serialized size limit. */
export function jsonObject(field: JsonField, value: unknown): Record<string, unknown> {
  const maxBytes = LIMITS.jsonBytes[field];
  const object = plainObject(field, value);
  if (jsonBytes(field, object) > maxBytes) throw invalid(field, `must be at most ${maxBytes} bytes serialized`);
  return object;
}

/** A page size within the `limit` bounds; absent, the default page size. */
export function pageLimit(value: unknown): number {
  const { minimum, maximum } = LIMITS.integers.limit;
  if (value === undefined) return LIMITS.integers.limit.default;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum || value > maximum)
    throw invalid("limit", `must be ${minimum} to ${maximum}`);
  return value;
}

/** The deepest offset a list accepts (see `LIMITS.integers.offset`). */
export const MAX_OFFSET = LIMITS.integers.offset.maximum;

export function offset(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < LIMITS.integers.offset.minimum || value > MAX_OFFSET)
    throw invalid("offset", `must be ${LIMITS.integers.offset.minimum} to ${MAX_OFFSET}; page further with the cursor`);
  return value;
}

export function instant(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw invalid(field, "must be milliseconds since the epoch");
  return value;
}

const CURSOR_PREFIX = "c1.";

/** Wraps a store position into the opaque cursor callers see. */
export function encodeCursor(key: string | null): string | null {
  return key === null ? null : Buffer.from(CURSOR_PREFIX + key).toString("base64url");
}

/** Unwraps a cursor; anything not made by {@link encodeCursor} is `request_invalid`. */
export function decodeCursor(cursor: unknown): string | undefined {
  if (cursor === undefined || cursor === null || cursor === "") return undefined;
  if (typeof cursor !== "string" || cursor.length > LIMITS.strings.cursor || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid("cursor", "is not a valid cursor");
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  if (!decoded.startsWith(CURSOR_PREFIX) || UNSAFE_TEXT.test(decoded)) throw invalid("cursor", "is not a valid cursor");
  return decoded.slice(CURSOR_PREFIX.length);
}
