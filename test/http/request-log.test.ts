/** `SESSIOND_LOG_REQUESTS`: off by default (the hot path pays for every line); on, one line per request by route pattern. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { ApiKeys } from "../../src/core/api-keys.js";
import { systemClock } from "../../src/core/clock.js";
import { createSessions } from "../../src/core/service.js";
import { systemRandom } from "../../src/core/session-token.js";
import { createLogger } from "../../src/server/runtime.js";
import { loadConfig } from "../../src/config.js";
import { buildApp } from "../../src/http/app.js";
import { memoryStore } from "../../src/stores/memory/index.js";

const ROOT = "request-log-root-key-0123456789abcdefgh";

async function logsOf(env: Record<string, string>): Promise<{ lines: Record<string, unknown>[]; token: string }> {
  let text = "";
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      text += String(chunk);
      done();
    },
  });
  const store = memoryStore();
  const config = loadConfig({ env });
  const app = await buildApp({
    sessions: createSessions({ store }),
    apiKeys: new ApiKeys(store.apiKeys, systemClock, systemRandom, ROOT),
    config,
    logger: createLogger(config, sink),
  });
  const headers = { authorization: `Bearer ${ROOT}`, "content-type": "application/json" };
  const created = (await app.inject({ method: "POST", url: "/v1/sessions", headers, payload: { user_id: "ann" } })).json();
  await app.inject({ method: "POST", url: "/v1/sessions/verify", headers, payload: { token: created.token } });
  await app.inject({ method: "GET", url: `/v1/sessions/${created.id}`, headers });
  await app.inject({ method: "GET", url: "/v1/sessions/nope", headers });
  await app.close();
  return {
    lines: text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    token: created.token,
  };
}

describe("request logging", () => {
  it("writes no per-request line by default", async () => {
    const { lines } = await logsOf({});
    assert.deepEqual(
      lines.filter((l) => l.msg === "request" || "req" in l || "res" in l),
      [],
    );
  });

  it("with SESSIOND_LOG_REQUESTS writes one line per request: method, route pattern, status and time, never the URL", async () => {
    const { lines, token } = await logsOf({ SESSIOND_LOG_REQUESTS: "true" });
    const requests = lines.filter((l) => l.msg === "request");
    assert.deepEqual(
      requests.map((l) => [l.method, l.route, l.status]),
      [
        ["POST", "/v1/sessions", 200],
        ["POST", "/v1/sessions/verify", 200],
        ["GET", "/v1/sessions/:id", 200],
        ["GET", "/v1/sessions/:id", 400],
      ],
    );
    for (const line of requests) assert.equal(typeof line.ms, "number");
    const text = JSON.stringify(lines);
    assert.ok(!text.includes(token.split(".")[0]!), "no session id from a URL or body");
  });
});
