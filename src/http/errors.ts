/**
 * The one place that turns errors into HTTP: code → status, and the SPEC §4 body.
 * Routes never choose an error status; they throw, and this handler answers.
 */
import { randomUUID } from "node:crypto";
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, SessiondError } from "../core/errors.js";

export const HTTP_STATUS = {
  token_invalid: 401,
  session_expired: 401,
  session_abandoned: 401,
  session_revoked: 401,
  session_ended: 401,
  session_removed: 401,
  session_replaced: 401,
  session_pending: 401,
  user_agent_mismatch: 401,
  audience_mismatch: 401,
  token_reused: 401,
  api_key_invalid: 401,
  root_key_required: 403,
  tenant_forbidden: 403,
  resource_not_found: 404,
  session_terminal: 409,
  refresh_conflict: 409,
  refresh_not_allowed: 409,
  conflict: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  request_invalid: 400,
  policy_out_of_bounds: 422,
  metadata_too_large: 422,
  actor_invalid: 422,
  rate_limited: 429,
  store_unavailable: 503,
  signing_key_unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;

/** The SPEC §4 error body; both trace fields carry the request's id. */
export function errorBody(code: ErrorCode, message: string, traceId: string, meta: Record<string, unknown> = {}) {
  return {
    errors: [{ code, message, long_message: message, meta }],
    trace_id: traceId,
    clerk_trace_id: traceId,
  };
}

export const UNSUPPORTED_MEDIA_TYPE_MESSAGE =
  "a request body must be JSON, sent with Content-Type: application/json (a request without a body needs no Content-Type)";

/** Fastify's own errors (parsing, validation, limits) mapped onto our codes. */
function fromFastify(error: FastifyError): SessiondError | null {
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const params = (first?.params ?? {}) as Record<string, unknown>;
    const extra = params.additionalProperty ?? params.missingProperty;
    const field = [error.validationContext, first?.instancePath.slice(1).replaceAll("/", "."), extra]
      .filter((p) => typeof p === "string" && p !== "")
      .join(".");
    const message = params.additionalProperty !== undefined ? "is not a known field" : (first?.message ?? "is invalid");
    return new SessiondError("request_invalid", `${field || "request"} ${message}`, { details: { field } });
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new SessiondError("body_too_large", "the request body is larger than 1 MiB");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new SessiondError("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE_MESSAGE);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new SessiondError("request_invalid", error.message);
    default:
      if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500)
        return new SessiondError(error.statusCode === 404 ? "resource_not_found" : "request_invalid", error.message);
      return null;
  }
}

export function newTraceId(): string {
  return randomUUID().replace(/-/g, "");
}

/** What an error answers: its status, the SPEC §4 body, and for `rate_limited` the seconds to wait. */
export interface ErrorAnswer {
  status: number;
  body: ReturnType<typeof errorBody>;
  retryAfterSeconds: number | null;
}

/** A logger for what an answer must log, made only when there is something to log. */
type LogOf = () => Pick<FastifyBaseLogger, "error" | "warn">;

/**
 * The one mapping of errors to answers (the error handler's and the lean verify path's):
 * known codes answer with their status; anything else is a logged 500 that leaks nothing.
 */
export function errorAnswer(error: unknown, traceId: string, log: LogOf): ErrorAnswer {
  const known = error instanceof SessiondError ? error : fromFastify(error as FastifyError);
  if (known === null) {
    log().error({ err: error }, "unhandled error");
    return { status: 500, body: errorBody("internal", "internal error", traceId), retryAfterSeconds: null };
  }
  if (known.code === "store_unavailable")
    log().warn({ code: known.code, cause: String((known.cause as Error | undefined)?.message ?? "") }, "store unavailable");
  const retryAfter = known.details?.retryAfterSeconds;
  return {
    status: HTTP_STATUS[known.code],
    body: errorBody(known.code, known.message, traceId, known.details ?? {}),
    retryAfterSeconds: known.code === "rate_limited" && typeof retryAfter === "number" ? retryAfter : null,
  };
}

/** The headers of every error answer: the exact Content-Type, no-store, and Retry-After when given. */
export function errorHeaders(answer: ErrorAnswer): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store" };
  if (answer.retryAfterSeconds !== null) headers["retry-after"] = String(answer.retryAfterSeconds);
  return headers;
}

// Serialized here, with the headers set: router-level errors skip the hooks that would set them later.
function sendError(reply: FastifyReply, answer: ErrorAnswer): void {
  void reply
    .status(answer.status)
    .headers(errorHeaders(answer))
    .serializer((text) => text)
    .send(JSON.stringify(answer.body));
}

/** The single error handler of the Fastify app (see {@link errorAnswer}). */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  sendError(
    reply,
    errorAnswer(error, request.id, () => request.log),
  );
}

/** Unknown routes: 404 in the same shape. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const body = errorBody("resource_not_found", `no route ${request.method} ${request.url.split("?")[0]}`, request.id);
  sendError(reply, { status: 404, body, retryAfterSeconds: null });
}
