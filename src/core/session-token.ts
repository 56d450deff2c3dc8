/**
 * Session tokens and ids (SPEC §1, §3): `sess_<id>.<secret>` with a 256-bit secret of which only
 * the SHA-256 digest is stored, ids sortable by time with a routing tag, constant-time comparison.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Where the core gets randomness: injected so tests can be deterministic. */
export interface RandomSource {
  /** `n` cryptographically strong random bytes. */
  bytes(n: number): Buffer;
}

/** The operating system's CSPRNG. */
export const systemRandom: RandomSource = { bytes: (n) => randomBytes(n) };

export const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford, lowercase: URL-safe, sorts like the numbers it encodes
const TIME_CHARS = 10; // 50 bits: millisecond timestamps until the year 37000
const RANDOM_CHARS = 16; // 80 bits: ids stay unique across servers without coordination
const TAG_CHARS = 4; // 20 bits of sha256(tenant, user): lets a sharded store find a session's user slot from its id
const SECRET_BYTES = 32; // 256 bits of entropy per session secret

/** `sess_` + time + random + routing tag. Sorts by creation time. */
export const SESSION_ID_PATTERN = /^sess_[0-9a-hjkmnp-tv-z]{30}$/;
/** A session token: `<session id>.<secret>`; the `sess_` prefix and shape make it easy for secret scanners to spot. */
export const TOKEN_PATTERN = /^(sess_[0-9a-hjkmnp-tv-z]{30})\.([A-Za-z0-9_-]{43})$/;

function encodeBase32(value: bigint, chars: number): string {
  let out = "";
  for (let i = 0; i < chars; i++) {
    out = BASE32[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

function randomBase32(random: RandomSource, chars: number): string {
  const bytes = random.bytes(chars);
  let out = "";
  for (let i = 0; i < chars; i++) out += BASE32[bytes[i]! & 31];
  return out;
}

/** The 4-character routing tag of a (tenant, user) pair. */
export function routingTag(tenantId: string, userId: string): string {
  const digest = createHash("sha256").update(tenantId).update("\0").update(userId).digest();
  return encodeBase32(BigInt(digest.readUIntBE(0, 3)) >> 4n, TAG_CHARS);
}

/** The routing tag carried by a session id. */
export function routingTagOfSessionId(sessionId: string): string {
  return sessionId.slice(-TAG_CHARS);
}

/** A sortable id with a prefix: `<prefix>_<time><random>`. */
export function newId(prefix: string, nowMs: number, random: RandomSource): string {
  return `${prefix}_${encodeBase32(BigInt(nowMs), TIME_CHARS)}${randomBase32(random, RANDOM_CHARS)}`;
}

/** A new session id, sortable by creation time, carrying the user's routing tag. */
export function newSessionId(tenantId: string, userId: string, nowMs: number, random: RandomSource): string {
  return newId("sess", nowMs, random) + routingTag(tenantId, userId);
}

/** The creation time encoded in an id made by {@link newId} or {@link newSessionId}. */
export function timeOfId(id: string): number {
  const body = id.slice(id.indexOf("_") + 1, id.indexOf("_") + 1 + TIME_CHARS);
  let value = 0;
  for (const ch of body) value = value * 32 + BASE32.indexOf(ch);
  return value;
}

/** A fresh secret and its SHA-256 digest. Only the digest is ever stored. */
export function newSecret(random: RandomSource): { secret: string; hash: Buffer } {
  const secret = random.bytes(SECRET_BYTES).toString("base64url");
  return { secret, hash: hashSecret(secret) };
}

/** SHA-256 of a secret: what stores keep instead of the secret. */
export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/** Joins a session id and a secret into the token handed to the app once. */
export function formatToken(sessionId: string, secret: string): string {
  return `${sessionId}.${secret}`;
}

/** `sess_` + 30 id characters + `.` + 43 base64url characters of secret. */
const TOKEN_LENGTH = 79;

/**
 * Splits a token into its id and secret digest, or null when it is not a well-formed token.
 * The length is checked first, so a made-up token of any size costs no pattern match and no hash.
 */
export function parseToken(token: unknown): { sessionId: string; hash: Buffer } | null {
  if (typeof token !== "string" || token.length !== TOKEN_LENGTH) return null;
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) return null;
  return { sessionId: match[1]!, hash: hashSecret(match[2]!) };
}

/** Constant-time equality of two SHA-256 digests (fixed 32-byte length, so no length leak). */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== 32 || b.length !== 32) return false;
  return timingSafeEqual(a, b);
}
