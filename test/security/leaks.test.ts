/** No token, secret, key or digest ever reaches a log line or a response other than the one-time `token`/`key`. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { ApiKeys } from "../../src/core/api-keys.js";
import { ManualClock } from "../../src/core/clock.js";
import { createSessions } from "../../src/core/service.js";
import { hashSecret, systemRandom } from "../../src/core/session-token.js";
import { createLogger } from "../../src/server/runtime.js";
import { loadConfig } from "../../src/config.js";
import { buildApp } from "../../src/http/app.js";
import { SigningKeys } from "../../src/jwt/signing-keys.js";
import { memoryStore } from "../../src/stores/memory/index.js";

const ROOT = "leak-test-root-key-0123456789abcdefghij";
const KEK = "leak-test-key-encryption-key-0123456789";

/** Every form a secret could leak in: itself, and its SHA-256 in hex and base64(url). */
function forms(secret: string): string[] {
  const digest = hashSecret(secret);
  return [secret, digest.toString("hex"), digest.toString("base64"), digest.toString("base64url")];
}

describe("secrets never leak", () => {
  for (const level of ["info", "trace"] as const) {
    it(`keeps tokens, keys and digests out of every log line (level ${level}) and every response`, async () => {
      let logs = "";
      const sink = new Writable({
        write: (chunk, _encoding, done) => {
          logs += String(chunk);
          done();
        },
      });
      const store = memoryStore();
      const clock = new ManualClock(Date.now());
      const signingKeys = new SigningKeys({ store, clock, keyEncryptionKey: KEK });
      const sessions = createSessions({ store, clock, jwt: { signer: signingKeys, publicUrl: "https://sessiond.test" } });
      const apiKeys = new ApiKeys(store.apiKeys, clock, systemRandom, ROOT);
      const config = loadConfig({ env: { SESSIOND_LOG_LEVEL: level, SESSIOND_LOG_REQUESTS: "true" } });
      const app = await buildApp({ sessions, apiKeys, config, signingKeys, logger: createLogger(config, sink) });
      const responses: string[] = [];
      const call = async (method: string, url: string, body?: unknown, key = ROOT) => {
        const response = await app.inject({
          method: method as "GET",
          url,
          headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
        responses.push(response.body);
        return response.json();
      };

      const secrets: string[] = [ROOT, KEK];
      const created = await call("POST", "/v1/sessions", { user_id: "ann", ip: "203.0.113.1", user_agent: "UA" });
      const refreshed = await call("POST", "/v1/sessions/refresh", { token: created.token });
      for (const token of [created.token, refreshed.token]) secrets.push(token, token.split(".")[1]);
      await call("POST", "/v1/sessions/verify", { token: refreshed.token });
      await call("POST", "/v1/sessions/verify", { token: `${created.id}.${"A".repeat(43)}` }); // a wrong secret is not logged either
      await call("POST", "/v1/sessions/verify", { token: created.token }); // a reused one
      const key = await call("POST", "/v1/keys", { tenant_id: "acme" });
      secrets.push(key.key, key.key.split(".")[1]);
      await call("GET", "/v1/stats", undefined, key.key);
      await call("GET", "/v1/stats", undefined, `${key.key}x`);
      const other = await call("POST", "/v1/sessions", { user_id: "bob" });
      secrets.push(other.token, other.token.split(".")[1]);
      await call("POST", `/v1/sessions/${other.id}/tokens`);
      await call("POST", `/v1/sessions/${other.id}/refresh`, { refresh_token: other.token, request_origin: "https://app.test" });
      await call("GET", `/v1/sessions/${other.id}`);
      await call("GET", "/v1/sessions?limit=100");
      await call("GET", "/v1/keys");
      await call("DELETE", `/v1/keys/${key.id}`);
      await app.close();

      assert.ok(logs.length > 0, "the logger was used");
      assert.ok(logs.includes('"route":"/v1/sessions/:id/refresh"'), "every request was logged, by route pattern");
      // The one-time `token` and `key` fields of the answers that create them are the only places a secret may appear.
      const shown = responses.map((body) => body.replace(/"(token|key)":"[^"]+"/g, '"$1":"…"'));
      for (const secret of secrets) {
        for (const form of forms(secret)) {
          assert.ok(!logs.includes(form), `a log line holds ${form.slice(0, 12)}…`);
          for (const body of shown) assert.ok(!body.includes(form), `a response holds ${form.slice(0, 12)}…`);
        }
      }
      // Stored private signing keys are sealed; the sealed text and key material stay inside the store.
      const [signing] = await store.signingKeys.list();
      for (const body of [...shown, logs]) assert.ok(!body.includes(signing!.encryptedPrivateKey));
    });
  }
});
