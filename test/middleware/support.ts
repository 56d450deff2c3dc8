/**
 * The middleware tests' world: a real sessiond listening on a port, a JWKS server with the
 * tenant's signing key, and one app per framework serving `GET /me` behind the middleware.
 */
import type { AddressInfo } from "node:net";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { createJwtVerifier, jwksUrlFor } from "../../src/jwt/verifier.js";
import type { SessiondAuthOptions } from "../../src/middleware/authenticate.js";
import { sessiondExpress } from "../../src/middleware/express.js";
import { sessiondFastify } from "../../src/middleware/fastify.js";
import { type SessiondHonoEnv, sessiondHono } from "../../src/middleware/hono.js";
import { type Harness, harness } from "../http/harness.js";
import { type JwksServer, type TestKey, jwksServer, tenantIssuer, testKey } from "./jwks-server.js";

export interface World {
  h: Harness;
  sessiondUrl: string;
  jwks: JwksServer;
  key: TestKey;
  /** The acme tenant's issuer, which the apps accept. */
  issuer: string;
  /** Warnings the apps' middleware logged (the test client's loopback address sets one off per app). */
  warnings: string[];
  /** Middleware options for the acme tenant: its API key, a verifier for its JWTs, and a logger into {@link World.warnings}. */
  options(overrides?: Partial<SessiondAuthOptions>): SessiondAuthOptions;
  close(): Promise<void>;
}

export async function world(): Promise<World> {
  const h = await harness();
  const sessiondUrl = await h.app.listen({ port: 0, host: "127.0.0.1" });
  const key = await testKey("k1");
  const jwks = await jwksServer([key]);
  const issuer = tenantIssuer(jwks, "acme");
  const warnings: string[] = [];
  return {
    h,
    sessiondUrl,
    jwks,
    key,
    issuer,
    warnings,
    options: (overrides = {}) => ({
      sessiondUrl,
      apiKey: h.keys.acme,
      verifier: createJwtVerifier({ jwksUrl: jwksUrlFor(jwks.url), issuer }),
      logger: { warn: (message: string) => void warnings.push(message) },
      ...overrides,
    }),
    close: async () => {
      await jwks.close();
      await h.close();
    },
  };
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Each framework's app: `GET /me` answers `{ auth }`, the context the middleware set. */
export const FRAMEWORKS: { name: string; start(options: SessiondAuthOptions): Promise<RunningApp> }[] = [
  {
    name: "express",
    start: (options) => {
      const app = express().use(sessiondExpress(options));
      app.get("/me", (req, res) => void res.json({ auth: req.sessiond }));
      return serve(createServer(app));
    },
  },
  {
    name: "fastify",
    start: async (options) => {
      const app = Fastify();
      await app.register(sessiondFastify, options);
      app.get("/me", async (request) => ({ auth: request.sessiond }));
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      return { url, close: () => app.close() };
    },
  },
  {
    name: "hono",
    start: (options) => {
      const app = new Hono<SessiondHonoEnv>().use(sessiondHono(options));
      app.get("/me", (c) => c.json({ auth: c.get("sessiond") }));
      return serve(nodeServerFor(app.fetch));
    },
  },
];

async function serve(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive; close() alone would wait for them
      }),
  };
}

/** What @hono/node-server does, in brief: a fetch handler on node:http, the request in `env.incoming`. */
function nodeServerFor(fetchHandler: (request: Request, env: { incoming: IncomingMessage }) => Response | Promise<Response>): Server {
  return createServer(async (incoming, outgoing) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === "string") headers.set(name, value);
    const response = await fetchHandler(new Request(`http://${incoming.headers.host}${incoming.url}`, { method: incoming.method, headers }), { incoming });
    outgoing.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
}

/** The address test requests come from: not 127.0.0.1, which is where the middleware's own calls to sessiond come from. */
export const CLIENT_IP = "127.0.0.2";

/** GET `/me` from {@link CLIENT_IP} with a session cookie and/or other headers. */
export async function getMe(app: RunningApp, headers: { cookie?: string; authorization?: string; "x-forwarded-for"?: string } = {}) {
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    request(`${app.url}/me`, { localAddress: CLIENT_IP, headers: { "user-agent": "middleware-test", ...headers } }, resolve)
      .on("error", reject)
      .end(),
  );
  let text = "";
  for await (const chunk of response) text += String(chunk);
  const body = JSON.parse(text) as { auth?: { kind: string; userId: string; sessionId: string; tenantId: string } | null; errors?: { code: string }[] };
  return {
    status: response.statusCode,
    contentType: response.headers["content-type"],
    retryAfter: response.headers["retry-after"],
    auth: body.auth,
    code: body.errors?.[0]?.code,
  };
}
