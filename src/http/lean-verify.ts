/**
 * The lean verify path: `POST /v1/sessions/verify` answered on node:http, in front of Fastify.
 *
 * Verify is the call apps make on every request of theirs. Through Fastify it cost ~95 µs of
 * server CPU a request against ~58 µs for a bare node:http server doing the same store read
 * and hash (50 connections, SQLite); the difference is spread over Fastify's request and reply
 * objects, the per-request child logger and request id, hooks, and the garbage they leave
 * (measured with --cpu-prof; no single item was over 3%). So this path does only what the
 * route does, with the route's own parts: the same authentication (auth.ts), JSON parser
 * (json-body.ts), body validator (compiled from the route's schema by the app's Ajv), verify
 * call (routes/verify.ts), serializer (fast-json-stringify over the route's response schema,
 * as Fastify compiles it) and error registry (errors.ts); test/http/lean-verify.test.ts
 * checks that every answer is the Fastify route's, byte for byte.
 *
 * Anything out of the ordinary goes to Fastify untouched: another path or method, a body
 * that is not `Content-Type: application/json` with a Content-Length within the body limit,
 * access logging on, or a server that is closing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ValidateFunction } from "ajv";
import type { FastifyBaseLogger } from "fastify";
import fastJsonStringify from "fast-json-stringify";
import type { Static } from "@sinclair/typebox";
import { errorAnswer, errorHeaders, newTraceId } from "./errors.js";
import { parseJsonBody } from "./json-body.js";
import type { Metrics } from "./metrics.js";
import { principalFinder } from "./auth.js";
import { VERIFY_PATH, type VerifyRouteDeps, verifier } from "./routes/verify.js";
import { SessionSchema, type VerifyBody } from "./schemas.js";

export interface LeanVerifyDeps extends VerifyRouteDeps {
  metrics: Pick<Metrics, "countVerification" | "observeRequest">;
  /** The app's validator of the route's body schema (the same Ajv instance and options). */
  validateBody: ValidateFunction;
  bodyLimit: number;
  /** Access logging is Fastify's: with it on, every request takes the Fastify route. */
  logRequests: boolean;
  logger?: FastifyBaseLogger | undefined;
}

/** The node:http options Fastify applies to a server it makes itself (its lib/server.js). */
interface ServerOptions {
  keepAliveTimeout?: unknown;
  requestTimeout?: unknown;
  connectionTimeout?: unknown;
  maxRequestsPerSocket?: unknown;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface LeanVerify {
  /** A `serverFactory` for Fastify: the lean path first, Fastify's handler for everything else. */
  server(fastify: Handler, options: ServerOptions): Server;
  /** From now on every request takes the Fastify route (which answers 503 while closing). */
  closing(): void;
}

const SUCCESS_HEADERS = { "content-type": "application/json", "cache-control": "no-store" } as const;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.once("end", () => resolve(text));
    request.once("error", reject);
  });
}

/** The error Fastify's validation raises (its lib/validation.js), for the one mapping in errors.ts. */
function validationError(validate: ValidateFunction): Error {
  return Object.assign(new Error("body is invalid"), { validation: validate.errors ?? [], validationContext: "body" });
}

export function leanVerify(deps: LeanVerifyDeps): LeanVerify {
  const serialize = fastJsonStringify(SessionSchema);
  const verify = verifier(deps);
  const findPrincipal = principalFinder(deps);
  let open = true;

  const takes = (request: IncomingMessage): boolean => {
    if (!open || deps.logRequests || request.method !== "POST" || request.url !== VERIFY_PATH) return false;
    const { headers } = request;
    const length = headers["content-length"];
    return (
      headers["content-type"] === "application/json" && headers["transfer-encoding"] === undefined && length !== undefined && Number(length) <= deps.bodyLimit
    );
  };

  const send = (response: ServerResponse, status: number, headers: Record<string, string>, text: string): void => {
    response.writeHead(status, { ...headers, "content-length": Buffer.byteLength(text) });
    response.end(text);
  };

  // The steps and their order are the route's: authenticate (onRequest), parse, validate, verify.
  const answer = async (request: IncomingMessage, response: ServerResponse, startedAt: number): Promise<void> => {
    let status = 200;
    try {
      const principal = await findPrincipal(request.headers.authorization);
      const body = parseJsonBody(await readBody(request));
      if (!deps.validateBody(body)) throw validationError(deps.validateBody);
      const session = await verify({ principal, headers: request.headers, socket: request.socket }, body as Static<typeof VerifyBody>);
      send(response, 200, SUCCESS_HEADERS, serialize(session));
    } catch (error) {
      // The client went away mid-request, or the success answer itself failed: nobody to answer.
      if (response.headersSent || request.socket.destroyed) return;
      const traceId = newTraceId();
      const failure = errorAnswer(error, traceId, () => (deps.logger ?? silent).child({ reqId: traceId }));
      status = failure.status;
      send(response, status, errorHeaders(failure), JSON.stringify(failure.body));
    }
    deps.metrics.observeRequest("POST", VERIFY_PATH, status, (performance.now() - startedAt) / 1000);
  };

  return {
    server(fastify, options) {
      const server = createServer((request, response) => {
        if (!takes(request)) return fastify(request, response);
        void answer(request, response, performance.now());
      });
      server.keepAliveTimeout = options.keepAliveTimeout as number;
      server.requestTimeout = options.requestTimeout as number;
      server.setTimeout(options.connectionTimeout as number);
      if ((options.maxRequestsPerSocket as number) > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket as number;
      return server;
    },
    closing() {
      open = false;
    },
  };
}

const silent = { child: () => ({ error: () => {}, warn: () => {} }) };
