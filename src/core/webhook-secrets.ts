/**
 * Webhook signing secrets (SPEC §9): Standard Webhooks secrets (`whsec_` + base64 of 32 random
 * bytes), sealed at rest with AES-256-GCM under a key derived from the key-encryption key, the
 * way the JWT signing keys are (src/jwt/signing-keys.ts), so a copy of the store signs nothing.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { SessiondError } from "./errors.js";
import type { RandomSource } from "./session-token.js";
import type { WebhookSecretRecord } from "./store/index.js";

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
const SEAL_VERSION = "v1";
/** How long a rotated-out secret still signs, so receivers can switch without losing a delivery. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** What an endpoint needs to be created without a key-encryption key: the same refusal as minting a JWT. */
export function keyEncryptionKeyMissing(): SessiondError {
  return new SessiondError(
    "signing_key_unavailable",
    "webhook endpoints need SESSIOND_KEY_ENCRYPTION_KEY on a shared store (PostgreSQL, Redis): set it, the same on every server",
  );
}

/** A fresh Standard Webhooks secret. */
export function newWebhookSecret(random: RandomSource): string {
  return SECRET_PREFIX + random.bytes(SECRET_BYTES).toString("base64");
}

// One derivation per key-encryption key: the dispatcher opens a secret on every attempt.
const derived = new Map<string, Buffer>();

function sealingKey(kek: string): Buffer {
  let key = derived.get(kek);
  if (key === undefined) {
    key = Buffer.from(hkdfSync("sha256", kek, "sessiond", "sessiond/webhook-secret/v1", 32));
    derived.clear();
    derived.set(kek, key);
  }
  return key;
}

/** Seals a secret for the store (`v1.<iv>.<ciphertext>.<tag>`, base64url). */
export function sealWebhookSecret(secret: string, kek: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(kek), iv);
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [SEAL_VERSION, iv.toString("base64url"), sealed.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/**
 * The clear secret of a stored one, for signing.
 * @throws SessiondError `signing_key_unavailable` without a key-encryption key, or with one that did not seal it
 */
export function openWebhookSecret(sealed: string, kek: string | null): string {
  if (kek === null) throw keyEncryptionKeyMissing();
  const [version, iv, body, tag] = sealed.split(".");
  try {
    if (version !== SEAL_VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error("unknown seal format");
    const decipher = createDecipheriv("aes-256-gcm", sealingKey(kek), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new SessiondError("signing_key_unavailable", "a webhook secret cannot be opened: SESSIOND_KEY_ENCRYPTION_KEY is not the key that sealed it", {
      cause: error,
    });
  }
}

/**
 * The secrets after a rotation at `nowMs`: the new one first; the current one signs for
 * {@link SECRET_OVERLAP_MS} more; earlier overlaps keep their end; expired ones are dropped.
 */
export function rotatedSecrets(secrets: readonly WebhookSecretRecord[], sealedNew: string, nowMs: number): WebhookSecretRecord[] {
  const kept = secrets.map((s) => (s.expiresAt === null ? { secret: s.secret, expiresAt: nowMs + SECRET_OVERLAP_MS } : s));
  return [{ secret: sealedNew, expiresAt: null }, ...liveSecrets(kept, nowMs)];
}

/** The secrets that still sign at `nowMs`. */
export function liveSecrets(secrets: readonly WebhookSecretRecord[], nowMs: number): WebhookSecretRecord[] {
  return secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs);
}
