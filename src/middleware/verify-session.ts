/** Checks a session token with the sessiond server (`POST /v1/sessions/verify`): the strict path. */
import { SessiondError, type VerifyFailureCode } from "../core/errors.js";
import type { WireSession } from "../http/schemas.js";

export type { WireSession };

export interface SessionCheck {
  token: string;
  ip: string | undefined;
  userAgent: string | undefined;
  acceptPending: boolean;
}

// Typed as a record so that a new verify failure code does not compile until it is listed.
const VERIFY_FAILURES: Record<VerifyFailureCode, true> = {
  token_invalid: true,
  session_expired: true,
  session_abandoned: true,
  session_revoked: true,
  session_ended: true,
  session_removed: true,
  session_replaced: true,
  session_pending: true,
  user_agent_mismatch: true,
  audience_mismatch: true,
  token_reused: true,
};

const TIMEOUT_MS = 5_000;

/**
 * A function that asks sessiond about a token and returns the session.
 * @throws SessiondError with sessiond's verify failure code, `rate_limited` (with `retryAfterSeconds`)
 * when sessiond answers 429, or `store_unavailable` when sessiond cannot answer; a plain Error when
 * sessiond refuses the app itself (wrong API key or URL), a bug to log.
 */
export function sessionVerifier(serverUrl: string, apiKey: string, fetchImpl: typeof fetch): (check: SessionCheck) => Promise<WireSession> {
  const url = `${serverUrl.replace(/\/+$/, "")}/v1/sessions/verify`;
  return async ({ token, ip, userAgent, acceptPending }) => {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        // JSON.stringify leaves out undefined fields by itself; `accept_pending` is sent only when true.
        body: JSON.stringify({ token, ip, user_agent: userAgent, accept_pending: acceptPending ? true : undefined }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (cause) {
      throw new SessiondError("store_unavailable", "sessiond could not be reached", { cause });
    }
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (response.status === 200 && isSession(body)) return body;
    const code = (body?.errors as { code?: unknown }[] | undefined)?.[0]?.code;
    if (response.status === 401 && typeof code === "string" && Object.hasOwn(VERIFY_FAILURES, code))
      throw new SessiondError(code as VerifyFailureCode, `sessiond did not accept the session token (${code})`);
    // A failing token from a blocked address (or the app's key over its request limit): the client is to wait, not the app to fail.
    if (response.status === 429) {
      const retryAfterSeconds = retryAfterOf(response.headers.get("retry-after"));
      throw new SessiondError("rate_limited", `sessiond is limiting these requests; retry after ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
    }
    // 503 is sessiond's own store being down; 502/504 a proxy in front of it.
    if (response.status >= 500) throw new SessiondError("store_unavailable", `sessiond could not verify the session (HTTP ${response.status})`);
    throw new Error(`sessiond answered ${response.status} ${String(code ?? "")} to the app's verify call: check the middleware's sessiondUrl and apiKey`);
  };
}

/** `Retry-After` in seconds (an HTTP date or a missing header: one minute, the limiter's window). */
function retryAfterOf(header: string | null): number {
  const seconds = Number(header);
  return header !== null && Number.isInteger(seconds) && seconds >= 0 ? Math.max(1, seconds) : 60;
}

function isSession(body: Record<string, unknown> | null): body is WireSession {
  return body !== null && body.object === "session" && typeof body.id === "string" && typeof body.user_id === "string" && typeof body.tenant_id === "string";
}
