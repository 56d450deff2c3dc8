/** Test signing keys, JWTs shaped like sessiond's, and a JWKS server whose keys can change at runtime. */
import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { type CryptoKey, type JWK, type JWTHeaderParameters, SignJWT, exportJWK, generateKeyPair } from "jose";
import { issuerFor } from "../../src/core/jwt-claims.js";

export interface TestKey {
  kid: string;
  alg: "EdDSA" | "ES256";
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function testKey(kid: string, alg: "EdDSA" | "ES256" = "EdDSA"): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { crv: alg === "EdDSA" ? "Ed25519" : "P-256" });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export interface JwksServer {
  /** The server's base URL: the JWKS is at `/v1/jwks`, as on sessiond. */
  url: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: number;
  publish(keys: TestKey[]): void;
  close(): Promise<void>;
}

export async function jwksServer(keys: TestKey[]): Promise<JwksServer> {
  let published = keys;
  let fetches = 0;
  const server = createServer((request, response) => {
    if (request.url !== "/v1/jwks") return void response.writeHead(404).end();
    fetches++;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get fetches() {
      return fetches;
    },
    publish(next) {
      published = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A tenant's issuer on the test JWKS server, as sessiond builds it. */
export function tenantIssuer(server: { url: string }, tenantId: string): string {
  return issuerFor(server.url, tenantId);
}

/** Claims like sessiond's for `tenantId`, valid for a minute; `overrides` may set a claim to undefined to drop it. */
export function claimsFor(issuer: string, tenantId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: issuer,
    sub: "u1",
    sid: "sess_0000000000000000000000000000ab",
    tid: tenantId,
    sts: "active",
    iat: now,
    nbf: now,
    exp: now + 60,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

export async function signJwt(key: TestKey, claims: Record<string, unknown>, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).sign(key.privateKey);
}

/** A closed port: connections to it are refused. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise((resolve) => server.close(resolve));
  return url;
}
