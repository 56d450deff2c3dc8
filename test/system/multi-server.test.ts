/** Several `sessiond serve` processes on one shared store behave as one service. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dropSchema, freshSchema, POSTGRES_URL, postgresSkip, redisClusterUrl, redisSkip, REDIS_URL } from "../support/services.js";
import { dropPrefix } from "../stores/redis-harness.js";
import { type Server, startServer } from "./server.js";
import { createRemoteJWKSet, jwtVerify } from "jose";

const ROOT = "multi-server-root-key-0123456789abcdef";
const PUBLIC_URL = "https://sessions.example";
const schema = freshSchema();
const redisPrefix = `${freshSchema()}:`;
const backends: { name: string; store: () => string; absent: () => Promise<false | string>; cleanup?: () => Promise<void> }[] = [
  { name: "PostgreSQL", store: () => `${POSTGRES_URL}?schema=${schema}`, absent: postgresSkip, cleanup: () => dropSchema(schema) },
  { name: "Redis", store: () => `${REDIS_URL}?prefix=${redisPrefix}`, absent: () => redisSkip(REDIS_URL), cleanup: () => dropPrefix(REDIS_URL, redisPrefix) },
  {
    name: "Redis Cluster",
    store: () => `${redisClusterUrl()}?prefix=${redisPrefix}`,
    absent: () => redisSkip(redisClusterUrl()),
    cleanup: () => dropPrefix(redisClusterUrl(), redisPrefix),
  },
];

for (const backend of backends) {
  const skip = await backend.absent();
  describe(`two servers on one ${backend.name} store`, { skip }, () => {
    let a: Server;
    let b: Server;
    before(async () => {
      const env = {
        SESSIOND_ROOT_KEY: ROOT,
        SESSIOND_STORE: backend.store(),
        SESSIOND_MAX_SESSIONS_PER_USER: "5",
        SESSIOND_KEY_ENCRYPTION_KEY: "multi-server-key-encryption-key-0123456789",
        SESSIOND_PUBLIC_URL: PUBLIC_URL,
      };
      const cwd = mkdtempSync(join(tmpdir(), "sessiond-multi-"));
      [a, b] = await Promise.all([startServer(cwd, env), startServer(cwd, env)]);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await backend.cleanup?.();
    });

    it("rejects on one server what another revoked, ended or rotated, at once", async () => {
      for (const verb of ["revoke", "end", "refresh"] as const) {
        const created = (await a.request("POST", "/v1/sessions", ROOT, { user_id: `u-${verb}` })).body;
        assert.equal((await b.request("POST", "/v1/sessions/verify", ROOT, { token: created.token })).status, 200);
        if (verb === "refresh") {
          await a.request("POST", "/v1/sessions/refresh", ROOT, { token: created.token });
          const again = await b.request("POST", "/v1/sessions/refresh", ROOT, { token: created.token });
          assert.equal(again.body.errors[0].code, "refresh_conflict");
        } else {
          await a.request("POST", `/v1/sessions/${created.id}/${verb}`, ROOT);
          const rejected = await b.request("POST", "/v1/sessions/verify", ROOT, { token: created.token });
          assert.equal(rejected.body.errors[0].code, verb === "revoke" ? "session_revoked" : "session_ended");
        }
      }
    });

    it("holds a per-user limit of 5 under 100 parallel creates spread over both servers", async () => {
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).request("POST", "/v1/sessions", ROOT, { user_id: "crowd" })));
      assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
      const active = await a.request("GET", "/v1/sessions?user_id=crowd&status=active&limit=100", ROOT);
      assert.equal(active.body.total_count, 5);
      const removed = await b.request("GET", "/v1/sessions?user_id=crowd&status=removed&limit=1", ROOT);
      assert.equal(removed.body.total_count, 95);
    });

    it("mints exactly one successor when both servers refresh one token at once", async () => {
      const { token } = (await a.request("POST", "/v1/sessions", ROOT, { user_id: "racer" })).body;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).request("POST", "/v1/sessions/refresh", ROOT, { token })));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results) if (r.status !== 200) assert.equal(r.body.errors[0].code, "refresh_conflict");
    });

    it("signs JWTs with one shared key: a JWT from one server verifies with the other's JWKS, and a revoked session gets none", async () => {
      const created = (await a.request("POST", "/v1/sessions", ROOT, { user_id: "jwt-user" })).body;
      const [fromA, fromB] = await Promise.all([a, b].map((server) => server.request("POST", `/v1/sessions/${created.id}/tokens`, ROOT)));
      assert.equal(fromA!.status, 200, JSON.stringify(fromA!.body));
      assert.equal(fromB!.status, 200, JSON.stringify(fromB!.body));
      const jwksOfB = createRemoteJWKSet(new URL(`${b.url}/v1/jwks`));
      const { payload } = await jwtVerify(fromA!.body.jwt, jwksOfB, { issuer: `${PUBLIC_URL}/t/default` });
      assert.equal(payload.sid, created.id);
      await jwtVerify(fromB!.body.jwt, createRemoteJWKSet(new URL(`${a.url}/.well-known/jwks.json`)), { issuer: `${PUBLIC_URL}/t/default` });
      await a.request("POST", `/v1/sessions/${created.id}/revoke`, ROOT);
      assert.equal((await b.request("POST", `/v1/sessions/${created.id}/tokens`, ROOT)).body.errors[0].code, "session_revoked");
    });
  });
}
