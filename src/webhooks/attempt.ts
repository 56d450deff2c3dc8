/**
 * One attempt at one endpoint: the request its format asks for, built afresh (a new signature
 * timestamp, a new logout token), then sent.
 */
import type { WebhookEndpointRecord } from "../core/store/index.js";
import { type DeliveryResult, deliver } from "./deliver.js";
import { LOGOUT_EVENT_TYPES, type LogoutSigner, logoutRequestBody } from "./logout-token.js";
import { signatureHeaders } from "./signature.js";

/** What an attempt sends: the event's wire JSON, the body of a Standard Webhooks request. */
export interface AttemptJob {
  eventId: string;
  attempt: number;
  payload: string;
  /** Set for a retry taken from the queue (so a success or the last failure removes it). */
  queued: boolean;
}

export interface AttemptContext {
  openSecret(sealed: string): string;
  logoutSigner: LogoutSigner | null;
  publicUrl(): string;
  now(): number;
  timeoutMs: number;
  allowPrivate: boolean;
  signal: AbortSignal;
}

/** The part of the wire event a logout token needs. */
interface WireEventHead {
  type: string;
  tenant_id: string;
  data: { id: string; user_id: string };
}

/** The secrets that still sign at `nowMs`, newest first. */
export function signingSecrets(endpoint: WebhookEndpointRecord, nowMs: number, openSecret: (sealed: string) => string): string[] {
  return endpoint.secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs).map((s) => openSecret(s.secret));
}

/** Whether this event goes to this endpoint at all (a back-channel logout endpoint hears only ends). */
export function isSentTo(endpoint: WebhookEndpointRecord, type: string): boolean {
  if (endpoint.format === "oidc_backchannel_logout" && !LOGOUT_EVENT_TYPES.has(type as never)) return false;
  return endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type);
}

export async function sendAttempt(endpoint: WebhookEndpointRecord, job: AttemptJob, ctx: AttemptContext): Promise<DeliveryResult> {
  const nowMs = ctx.now();
  let headers: Record<string, string>;
  let body: string;
  try {
    if (endpoint.format === "oidc_backchannel_logout") {
      if (ctx.logoutSigner === null || endpoint.audience === null) return unsendable("no_logout_signer");
      const head = JSON.parse(job.payload) as WireEventHead;
      const subject = { tenantId: head.tenant_id, userId: head.data.user_id, sessionId: head.data.id };
      body = await logoutRequestBody(ctx.logoutSigner, subject, endpoint.audience, ctx.publicUrl(), nowMs);
      headers = { "content-type": "application/x-www-form-urlencoded" };
    } else {
      body = job.payload;
      const secrets = signingSecrets(endpoint, nowMs, ctx.openSecret);
      headers = { "content-type": "application/json", ...signatureHeaders(secrets, job.eventId, Math.floor(nowMs / 1000), body) };
    }
  } catch {
    // A secret that cannot be opened or a key that cannot sign: the attempt fails like a refused one, and says nothing of the secret.
    return unsendable("signing_failed");
  }
  return deliver({ url: endpoint.url, headers, body, timeoutMs: ctx.timeoutMs, allowPrivate: ctx.allowPrivate, signal: ctx.signal });
}

function unsendable(error: string): DeliveryResult {
  return { ok: false, status: null, durationMs: 0, error };
}
