/**
 * Every failure sessiond reports, as a stable snake_case code (SPEC §4).
 * The same strings travel on the wire, in the library and in CLI output.
 */
export const ERROR_CODES = [
  "token_invalid",
  "session_expired",
  "session_abandoned",
  "session_revoked",
  "session_ended",
  "session_removed",
  "session_replaced",
  "session_pending",
  "user_agent_mismatch",
  "audience_mismatch",
  "token_reused",
  "api_key_invalid",
  "root_key_required",
  "tenant_forbidden",
  "resource_not_found",
  "session_terminal",
  "refresh_conflict",
  "refresh_not_allowed",
  "conflict",
  "body_too_large",
  "unsupported_media_type",
  "request_invalid",
  "policy_out_of_bounds",
  "metadata_too_large",
  "actor_invalid",
  "rate_limited",
  "store_unavailable",
  "signing_key_unavailable",
  "internal",
] as const;

/** A stable error code (SPEC §4). */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The codes `verify` answers with instead of throwing (SPEC §3 "Valid"). */
export type VerifyFailureCode =
  | "token_invalid"
  | "session_expired"
  | "session_abandoned"
  | "session_revoked"
  | "session_ended"
  | "session_removed"
  | "session_replaced"
  | "session_pending"
  | "user_agent_mismatch"
  | "audience_mismatch"
  | "token_reused";

/**
 * The one error type of sessiond. Anything a caller can get wrong throws it
 * with a code; a plain `Error` escaping the library is a bug.
 * `message` and `details` never contain a token, secret or hash.
 */
export class SessiondError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SessiondError";
    this.code = code;
    this.details = options?.details;
  }
}

/** True when `value` is a {@link SessiondError}, optionally with the given code. */
export function isSessiondError(value: unknown, code?: ErrorCode): value is SessiondError {
  return value instanceof SessiondError && (code === undefined || value.code === code);
}
