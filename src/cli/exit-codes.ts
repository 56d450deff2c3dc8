/** Exit codes of the CLI, one per error code (sysexits.h where one fits), chosen in this one place. */
import type { ErrorCode } from "../core/errors.js";

export const EXIT_OK = 0;
export const EXIT_USAGE = 64;
export const EXIT_CONFIG = 78;

export const EXIT_CODES = {
  token_invalid: 1,
  session_expired: 1,
  session_abandoned: 1,
  session_revoked: 1,
  session_ended: 1,
  session_removed: 1,
  session_replaced: 1,
  session_pending: 1,
  user_agent_mismatch: 1,
  audience_mismatch: 1,
  token_reused: 1,
  api_key_invalid: 77,
  root_key_required: 77,
  tenant_forbidden: 77,
  resource_not_found: 66,
  session_terminal: 65,
  refresh_conflict: 75,
  refresh_not_allowed: 65,
  conflict: 75,
  body_too_large: 65,
  unsupported_media_type: 65,
  request_invalid: 64,
  policy_out_of_bounds: 65,
  metadata_too_large: 65,
  actor_invalid: 65,
  rate_limited: 75,
  store_unavailable: 69,
  signing_key_unavailable: 69,
  internal: 70,
} as const satisfies Record<ErrorCode, number>;
