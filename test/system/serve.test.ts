/** `sessiond serve` as a newcomer runs it: zero config, restarts, several processes on one store. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { dropSchema, freshSchema, POSTGRES_URL, postgresSkip } from "../support/services.js";
import { BIN, printedRootKey, startServer } from "./server.js";

const scratch = () => mkdtempSync(join(tmpdir(), "sessiond-serve-"));

describe("sessiond serve", () => {
  it("starts with no configuration, prints the root key once, and keeps sessions across a restart", async () => {
    const cwd = scratch();
    const first = await startServer(cwd);
    const rootKey = printedRootKey(first.stderr());
    assert.ok(rootKey, `root key printed: ${first.stderr()}`);
    assert.ok(!first.stdout().includes(rootKey), "the key never goes through the logger");
    assert.ok(existsSync(join(cwd, "data", "sessiond.db")));
    const created = await first.request("POST", "/v1/sessions", rootKey, { user_id: "ann" });
    assert.equal(created.status, 200);
    assert.equal((await first.request("GET", "/healthz", null)).status, 200);
    assert.equal((await first.request("GET", "/readyz", null)).status, 200);
    const firstJwt = (await first.request("POST", `/v1/sessions/${created.body.id}/tokens`, rootKey)).body.jwt as string;
    assert.equal(statSync(join(cwd, "data", "key-encryption.key")).mode & 0o777, 0o600, "the generated key-encryption key is private");
    await jwtVerify(firstJwt, createRemoteJWKSet(new URL(`${first.url}/.well-known/jwks.json`)), { issuer: `${first.url}/t/default` });
    await first.stop();

    const second = await startServer(cwd);
    assert.equal(printedRootKey(second.stderr()), null, "a restart does not print the key again");
    const read = await second.request("GET", `/v1/sessions/${created.body.id}`, rootKey);
    assert.equal(read.status, 200);
    assert.equal(read.body.user_id, "ann");
    assert.equal((await second.request("POST", "/v1/sessions/verify", rootKey, { token: created.body.token })).status, 200);
    const secondJwt = (await second.request("POST", `/v1/sessions/${created.body.id}/tokens`, rootKey)).body.jwt as string;
    assert.equal(decodeProtectedHeader(secondJwt).kid, decodeProtectedHeader(firstJwt).kid, "the sealed signing key survives the restart");
    await second.stop();
  });

  it("shares one SQLite file between two servers: revocations are seen at once, revoked keys within 1 s", async () => {
    const cwd = scratch();
    const env = { SESSIOND_ROOT_KEY: "a-configured-root-key-of-enough-length", SESSIOND_STORE: `sqlite:${join(cwd, "shared.db")}` };
    const a = await startServer(cwd, env);
    const b = await startServer(cwd, env);
    try {
      const root = env.SESSIOND_ROOT_KEY;
      assert.equal(printedRootKey(a.stderr()), null, "a configured root key is never generated or printed");
      const created = (await a.request("POST", "/v1/sessions", root, { user_id: "ann" })).body;
      assert.equal((await b.request("POST", "/v1/sessions/verify", root, { token: created.token })).status, 200);
      await a.request("POST", `/v1/sessions/${created.id}/revoke`, root);
      const rejected = await b.request("POST", "/v1/sessions/verify", root, { token: created.token });
      assert.equal(rejected.status, 401);
      assert.equal(rejected.body.errors[0].code, "session_revoked");

      const key = (await a.request("POST", "/v1/keys", root, { tenant_id: "acme" })).body;
      assert.equal((await b.request("GET", "/v1/stats", key.key)).status, 200);
      await a.request("DELETE", `/v1/keys/${key.id}`, root);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 2000) {
        status = (await b.request("GET", "/v1/stats", key.key)).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 401);
      assert.ok(Date.now() - revokedAt <= 1000, `revoked key refused after ${Date.now() - revokedAt} ms`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("refuses to mint on a shared store without SESSIOND_KEY_ENCRYPTION_KEY, and says so at start", async (t) => {
    const skip = await postgresSkip();
    if (skip !== false) return t.skip(skip);
    const schema = freshSchema();
    const root = "a-configured-root-key-of-enough-length";
    const server = await startServer(scratch(), { SESSIOND_ROOT_KEY: root, SESSIOND_STORE: `${POSTGRES_URL}?schema=${schema}` });
    try {
      for (let waited = 0; !server.stdout().includes("session JWTs are off") && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      assert.match(server.stdout(), /session JWTs are off: set SESSIOND_KEY_ENCRYPTION_KEY/);
      const created = (await server.request("POST", "/v1/sessions", root, { user_id: "ann" })).body;
      const refused = await server.request("POST", `/v1/sessions/${created.id}/tokens`, root);
      assert.deepEqual([refused.status, refused.body.errors[0].code], [503, "signing_key_unavailable"]);
      assert.deepEqual((await server.request("GET", "/v1/jwks", null)).body, { keys: [] });
    } finally {
      await server.stop();
      await dropSchema(schema);
    }
  });

  it("runs through its launcher with a small young generation and a slowly growing old one, and logs the Node flags it runs with", async () => {
    const server = await startServer(scratch(), {}, [], true);
    try {
      const listening = JSON.parse(
        server
          .stdout()
          .split("\n")
          .find((line) => line.includes('"sessiond listening"'))!,
      ) as { node: { version: string; flags: string[] } };
      assert.equal(listening.node.version, process.version);
      assert.deepEqual(listening.node.flags, ["--max-semi-space-size=4", "--heap-growing-percent=50"]);
    } finally {
      await server.stop();
    }
  });

  it("names the port when it is already taken", async () => {
    const cwd = scratch();
    const first = await startServer(cwd, { SESSIOND_ROOT_KEY: "a-configured-root-key-of-enough-length" });
    try {
      const port = new URL(first.url).port;
      const result = spawnSync(process.execPath, [BIN, "serve", "--port", port], {
        cwd,
        env: { PATH: process.env.PATH ?? "", SESSIOND_ROOT_KEY: "a-configured-root-key-of-enough-length" },
        encoding: "utf8",
      });
      assert.equal(result.status, 78, result.stderr);
      assert.match(result.stderr, /SESSIOND_PORT \(--port\): cannot listen/);
    } finally {
      await first.stop();
    }
  });

  it("stops at start-up on bad configuration, naming the variable", () => {
    const result = spawnSync(process.execPath, [BIN, "serve"], {
      cwd: scratch(),
      env: { PATH: process.env.PATH ?? "", SESSIOND_PORT: "seventy" },
      encoding: "utf8",
    });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /SESSIOND_PORT/);
  });
});
