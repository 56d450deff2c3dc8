/**
 * Checks of a webhook endpoint's fields (SPEC §9), shared by the library, REST and the CLI:
 * anything wrong is `request_invalid` naming the field, never a 500.
 */
import { SessiondError } from "./errors.js";
import { WEBHOOK_EVENT_TYPES } from "./events.js";
import type { WebhookEndpointRecord } from "./store/index.js";

export const WEBHOOK_FORMATS = ["standard_webhooks", "oidc_backchannel_logout"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_ENDPOINT_ID_PATTERN = /^whe_[0-9a-hjkmnp-tv-z]{26}$/;
export const MAX_WEBHOOK_URL_BYTES = 2048;
export const MAX_WEBHOOK_DESCRIPTION_BYTES = 1024;
export const MAX_WEBHOOK_AUDIENCE_LENGTH = 1024;

/**
 * What a back-channel logout endpoint may subscribe to: the ends of a session (a logout token
 * says "this session is over"; no other change means anything to a relying party) and the test.
 * Not `session.token_reused`: its session's `session.revoked` of the same step carries the logout.
 */
export const LOGOUT_ENDPOINT_EVENT_TYPES: readonly string[] = [
  "session.ended",
  "session.revoked",
  "session.removed",
  "session.replaced",
  "session.expired",
  "session.abandoned",
  "session.deleted",
  "webhook.test",
];

// Control characters would break logs and terminals; a URL parser silently drops tabs and line breaks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: input holding them is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above; a description may keep its line breaks and tabs.
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function invalid(field: string, message: string): SessiondError {
  return new SessiondError("request_invalid", `${field} ${message}`, { details: { field } });
}

/** An http(s) URL without credentials, at most {@link MAX_WEBHOOK_URL_BYTES} bytes, stored as given. */
export function webhookUrl(value: unknown): string {
  if (typeof value !== "string" || value === "") throw invalid("url", "must be an http or https URL");
  if (Buffer.byteLength(value, "utf8") > MAX_WEBHOOK_URL_BYTES) throw invalid("url", `must be at most ${MAX_WEBHOOK_URL_BYTES} bytes`);
  if (CONTROL.test(value) || /\s/.test(value)) throw invalid("url", "must not contain spaces or control characters");
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid("url", "is not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw invalid("url", "must use http or https");
  // Credentials in a URL end up in logs and listings; receivers authenticate deliveries by their signature.
  if (parsed.username !== "" || parsed.password !== "") throw invalid("url", "must not contain a user name or password");
  if (parsed.hostname === "") throw invalid("url", "must name a host");
  return value;
}

/** Known event types without repeats; empty means every type. */
export function eventTypes(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid("event_types", "must be a list of event types");
  const known: readonly string[] = WEBHOOK_EVENT_TYPES;
  const unknown = value.filter((t) => typeof t !== "string" || !known.includes(t));
  if (unknown.length > 0)
    throw new SessiondError(
      "request_invalid",
      `event_types has unknown types (${unknown.map((t) => JSON.stringify(t)).join(", ")}); known: ${known.join(", ")}`,
      {
        details: { field: "event_types" },
      },
    );
  return [...new Set(value as string[])];
}

export function format(value: unknown): WebhookFormat {
  if (!(WEBHOOK_FORMATS as readonly unknown[]).includes(value)) throw invalid("format", `must be one of ${WEBHOOK_FORMATS.join(", ")}`);
  return value as WebhookFormat;
}

/** Free text up to {@link MAX_WEBHOOK_DESCRIPTION_BYTES} bytes (line breaks allowed); null or "" clears it. */
export function description(value: unknown): string | null {
  if (value === null || value === "") return null;
  if (typeof value !== "string") throw invalid("description", "must be a string or null");
  if (Buffer.byteLength(value, "utf8") > MAX_WEBHOOK_DESCRIPTION_BYTES) throw invalid("description", `must be at most ${MAX_WEBHOOK_DESCRIPTION_BYTES} bytes`);
  if (CONTROL_BUT_LINES.test(value)) throw invalid("description", "must not contain control characters other than line breaks and tabs");
  return value;
}

export function audience(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string" || value === "" || value.length > MAX_WEBHOOK_AUDIENCE_LENGTH || CONTROL.test(value))
    throw invalid("audience", `must be 1 to ${MAX_WEBHOOK_AUDIENCE_LENGTH} characters without control characters`);
  return value;
}

export function disabled(value: unknown): boolean {
  if (typeof value !== "boolean") throw invalid("disabled", "must be true or false");
  return value;
}

export function endpointId(value: unknown): string {
  if (typeof value !== "string" || !WEBHOOK_ENDPOINT_ID_PATTERN.test(value)) throw invalid("id", "is not a webhook endpoint id");
  return value;
}

/**
 * The rules that tie fields together, checked on the endpoint as it would be stored: a
 * back-channel logout endpoint needs the audience of its logout tokens and hears only ends; a
 * Standard Webhooks endpoint has no audience (a stray one would suggest a check nobody makes).
 */
export function checkCoherent(e: Pick<WebhookEndpointRecord, "format" | "audience" | "eventTypes">): void {
  if (e.format === "oidc_backchannel_logout") {
    if (e.audience === null) throw invalid("audience", "is required for oidc_backchannel_logout endpoints (the relying party's client id)");
    const others = e.eventTypes.filter((t) => !LOGOUT_ENDPOINT_EVENT_TYPES.includes(t));
    if (others.length > 0)
      throw invalid(
        "event_types",
        `of an oidc_backchannel_logout endpoint must be ends of a session (${LOGOUT_ENDPOINT_EVENT_TYPES.join(", ")}); got ${others.join(", ")}`,
      );
  } else if (e.audience !== null) {
    throw invalid("audience", "is only for oidc_backchannel_logout endpoints");
  }
}
