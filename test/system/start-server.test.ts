/** The server run from a program (`sessiond/server`): what `sessiond serve` does, without the CLI. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { ConfigError, createLogger, loadConfig, startServer } from "../../src/server/index.js";

/** A logger whose lines are kept for the test to read. */
function capturedLogger() {
  const lines: { msg: string; [field: string]: unknown }[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ logLevel: "info" }, sink), lines };
}

const memoryConfig = (env: Record<string, string> = {}) => loadConfig({ env: { SESSIOND_STORE: "memory:", SESSIOND_PORT: "0", ...env } });

describe("startServer", () => {
  it("listens, hands the generated root key to the program (never to the logger), serves the API and closes once", async () => {
    const { logger, lines } = capturedLogger();
    const keys: string[] = [];
    const server = await startServer(memoryConfig(), { logger, onRootKeyGenerated: (key) => keys.push(key) });
    try {
      assert.equal(keys.length, 1, "the root key is handed over once");
      assert.ok(server.port > 0);
      assert.equal(server.address, `http://127.0.0.1:${server.port}`);
      assert.equal((await fetch(`${server.address}/readyz`)).status, 200);
      const listed = await fetch(`${server.address}/v1/keys`, { headers: { authorization: `Bearer ${keys[0]}` } });
      assert.equal(listed.status, 200);
      const { session } = await server.sessions.create({ userId: "ann" });
      const read = await fetch(`${server.address}/v1/sessions/${session.id}`, { headers: { authorization: `Bearer ${keys[0]}` } });
      assert.equal(((await read.json()) as { user_id: string }).user_id, "ann", "the program and the API share one service");
      const listening = lines.find((l) => l.msg === "sessiond listening");
      assert.equal(listening?.rootKeySource, "generated");
      assert.ok(!JSON.stringify(lines).includes(keys[0]!), "the key never reaches the log");
    } finally {
      await server.close();
    }
    await server.close(); // idempotent
    await assert.rejects(fetch(`${server.address}/healthz`), "no longer listening");
  });

  it("fails with a ConfigError naming the port when it is taken, and generates no root key", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const keys: string[] = [];
      const start = startServer(memoryConfig({ SESSIOND_PORT: String(port) }), {
        logger: createLogger({ logLevel: "silent" }),
        onRootKeyGenerated: (key) => keys.push(key),
      });
      await assert.rejects(start, (e) => e instanceof ConfigError && /SESSIOND_PORT/.test(e.problems.join()));
      assert.deepEqual(keys, []);
    } finally {
      blocker.close();
    }
  });
});
