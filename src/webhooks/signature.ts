/**
 * Standard Webhooks signatures (SPEC §9), with the `svix-*` duplicates so code written for
 * Clerk's (Svix's) webhooks verifies sessiond's unchanged.
 */
import { createHmac } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** The HMAC key of a `whsec_…` secret: the base64 after the prefix. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, "base64");
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` for one secret. */
export function signPayload(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/**
 * The headers of one attempt: one signature per secret still signing (during a rotation the old
 * one too, so receivers that have not switched yet keep verifying), space-separated.
 */
export function signatureHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  if (secrets.length === 0) throw new Error("a webhook endpoint without a signing secret");
  const signature = secrets.map((s) => signPayload(s, id, timestampSeconds, body)).join(" ");
  const timestamp = String(timestampSeconds);
  return {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": signature,
    "svix-id": id,
    "svix-timestamp": timestamp,
    "svix-signature": signature,
  };
}
