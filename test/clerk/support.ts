/**
 * The official @clerk/backend SDK pointed at the real `sessiond serve` binary, plus a
 * recording pass-through proxy ("tap") that shows what the SDK put on the wire and what it got back.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { type IncomingHttpHeaders, createServer, request as forward } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClerkClient, type Session, createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import { type JWTPayload, type JWTVerifyResult, createRemoteJWKSet, jwtVerify } from "jose";
import type { WireBody } from "../support/wire-body.js";
import { type Server, startServer } from "../system/server.js";

export type CreateSessionParams = Parameters<ClerkClient["sessions"]["createSession"]>[0];

export const ROOT_KEY = "clerk-sdk-root-key-0123456789abcdefghij";

/** One request the SDK made and the answer it got, as bytes on the wire. */
export interface Exchange {
  method: string;
  path: string;
  query: URLSearchParams;
  requestHeaders: IncomingHttpHeaders;
  requestBody: string;
  status: number;
  responseHeaders: IncomingHttpHeaders;
  responseBody: string;
}

export interface Tap {
  url: string;
  /** The latest exchange that went through the tap. */
  last(): Exchange;
  close(): Promise<void>;
}

/** A transparent HTTP proxy to `target` that records every exchange. */
export async function startTap(target: string): Promise<Tap> {
  const upstream = new URL(target);
  const exchanges: Exchange[] = [];
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const requestBody = Buffer.concat(chunks);
      const outgoing = forward(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => body.push(chunk));
          answer.on("end", () => {
            const url = new URL(req.url ?? "/", upstream);
            const responseBody = Buffer.concat(body);
            exchanges.push({
              method: req.method ?? "",
              path: url.pathname,
              query: url.searchParams,
              requestHeaders: req.headers,
              requestBody: requestBody.toString("utf8"),
              status: answer.statusCode ?? 0,
              responseHeaders: answer.headers,
              responseBody: responseBody.toString("utf8"),
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(responseBody);
          });
        },
      );
      outgoing.on("error", (error) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(String(error));
      });
      outgoing.end(requestBody);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    url: `http://127.0.0.1:${address.port}`,
    last: () => {
      const exchange = exchanges.at(-1);
      assert.ok(exchange, "the SDK made a request through the tap");
      return exchange;
    },
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

export interface ClerkEnvironment {
  server: Server;
  /** The server's own URL: also its public URL, so JWT issuers are `<url>/t/<tenant>`. */
  url: string;
  /** The SDK talking straight to the server. */
  clerk: ClerkClient;
  /** The same SDK talking through the tap. */
  tapped: ClerkClient;
  tap: Tap;
  /** `createSession` through the tap: the SDK's Session, the wire session and the session token only the wire shows. */
  signIn(params: CreateSessionParams): Promise<{ session: Session; wire: Record<string, WireBody>; token: string }>;
  /** Verifies a session JWT against the server's JWKS and the tenant's issuer. */
  verifyJwt(jwt: string, tenantId?: string): Promise<JWTVerifyResult<JWTPayload>>;
  stop(): Promise<void>;
}

/** Starts `sessiond serve` (SQLite default store in a fresh directory) with a configured root key. */
export async function startClerkEnvironment(): Promise<ClerkEnvironment> {
  const cwd = mkdtempSync(join(tmpdir(), "sessiond-clerk-"));
  const server = await startServer(cwd, { SESSIOND_ROOT_KEY: ROOT_KEY, SESSIOND_SWEEP_INTERVAL_SECONDS: "0" });
  const tap = await startTap(server.url);
  const jwks = createRemoteJWKSet(new URL(`${server.url}/v1/jwks`));
  const tapped = createClerkClient({ secretKey: ROOT_KEY, apiUrl: tap.url });
  return {
    server,
    url: server.url,
    clerk: createClerkClient({ secretKey: ROOT_KEY, apiUrl: server.url }),
    tapped,
    tap,
    signIn: async (params) => {
      const session = await tapped.sessions.createSession(params);
      const wire = JSON.parse(tap.last().responseBody);
      assert.equal(typeof wire.token, "string", "create answers the session token once");
      return { session, wire, token: wire.token };
    },
    verifyJwt: (jwt, tenantId = "default") => jwtVerify(jwt, jwks, { issuer: `${server.url}/t/${tenantId}` }),
    stop: async () => {
      await tap.close();
      await server.stop();
    },
  };
}

/**
 * The SDK's resource classes (Session, SessionActivity, Token, Cookies) are exported as types
 * only, so a returned object is checked by its constructor: a class of that name with the
 * SDK's `fromJSON` deserializer, never a plain object.
 */
export function assertSdkResource(value: unknown, name: "Session" | "SessionActivity" | "Token" | "Cookies"): void {
  assert.ok(value !== null && typeof value === "object", `${name}: got ${String(value)}`);
  const type = Object.getPrototypeOf(value).constructor as { name: string; fromJSON?: unknown };
  assert.notEqual(type, Object, `${name}: got a plain object, not an SDK resource`);
  assert.equal(type.name.replace(/^_/, ""), name);
  assert.equal(typeof type.fromJSON, "function", `${name} comes from the SDK's deserializer`);
}

/** Awaits a call that must fail, and checks it failed the way the SDK reports API errors. */
export async function clerkError(call: Promise<unknown>, status: number, code: string) {
  const error: unknown = await call.then(
    (value) => assert.fail(`expected ${status} ${code}, got ${JSON.stringify(value)}`),
    (reason: unknown) => reason,
  );
  assert.ok(isClerkAPIResponseError(error), `a ClerkAPIResponseError, got ${String(error)}`);
  assert.equal(error.status, status);
  assert.equal(error.errors.length, 1);
  assert.equal(error.errors[0]!.code, code);
  assert.equal(typeof error.errors[0]!.longMessage, "string");
  assert.match(error.clerkTraceId ?? "", /^[0-9a-f]{32}$/, "the SDK found clerk_trace_id in the error body");
  return error;
}

/** A phone's browser, for device fields. */
export const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/** A well-formed session id that names no session. */
export const UNKNOWN_SESSION_ID = `sess_${"0".repeat(30)}`;
