/**
 * The store goes away mid-traffic and comes back: requests fail fast with 503
 * store_unavailable, nothing crashes, service resumes by itself, and nothing that
 * was acknowledged is lost.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type PrivateServer, postgresBinaries, privatePostgres, privateRedis } from "../support/private-services.js";
import { serviceSkip } from "../support/services.js";
import { type Server, startServer } from "./server.js";

const ROOT = "outage-root-key-0123456789abcdef0123";
const TIMEOUT_MS = 1000;

const backends: { name: string; start: () => Promise<PrivateServer>; available: () => Promise<unknown> }[] = [
  {
    name: "PostgreSQL",
    start: privatePostgres,
    available: async () => {
      if (postgresBinaries() === null) throw new Error("no PostgreSQL server binaries");
    },
  },
  {
    name: "Redis",
    start: privateRedis,
    available: async () => {
      const { execFileSync } = await import("node:child_process");
      execFileSync("redis-server", ["--version"]);
    },
  },
];

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const backend of backends) {
  const skip = await serviceSkip(`private ${backend.name}`, backend.available);
  describe(`${backend.name} outage`, { skip }, () => {
    it("answers 503 store_unavailable quickly while the store is down, resumes by itself, and loses no acknowledged write", async () => {
      const store = await backend.start();
      let server: Server | undefined;
      try {
        server = await startServer(mkdtempSync(join(tmpdir(), "sessiond-outage-")), {
          SESSIOND_ROOT_KEY: ROOT,
          SESSIOND_STORE: store.url,
          SESSIOND_STORE_TIMEOUT_MS: String(TIMEOUT_MS),
        });
        const live = server;
        const acknowledged: { id: string; token: string }[] = [];
        const revoked: string[] = [];
        for (let i = 0; i < 20; i++) {
          const created = await live.request("POST", "/v1/sessions", ROOT, { user_id: `u${i % 4}` });
          assert.equal(created.status, 200);
          acknowledged.push({ id: created.body.id, token: created.body.token });
        }
        for (const s of acknowledged.slice(0, 5)) {
          assert.equal((await live.request("POST", `/v1/sessions/${s.id}/revoke`, ROOT)).status, 200);
          revoked.push(s.token);
        }

        // Traffic keeps flowing while the store stops underneath it.
        let running = true;
        const traffic = (async () => {
          while (running) {
            const r = await live.request("POST", "/v1/sessions", ROOT, { user_id: "during" }).catch(() => null);
            if (r?.status === 200) acknowledged.push({ id: r.body.id, token: r.body.token });
            else if (r !== null) assert.ok([503, 401].includes(r.status), `status ${r.status}: ${JSON.stringify(r.body)}`);
          }
        })();
        await new Promise((r) => setTimeout(r, 200));
        store.stop();

        const started = Date.now();
        const down = await live.request("POST", "/v1/sessions/verify", ROOT, { token: acknowledged[10]!.token });
        assert.equal(down.status, 503);
        assert.equal(down.body.errors[0].code, "store_unavailable");
        assert.ok(Date.now() - started < TIMEOUT_MS * 3, `answered after ${Date.now() - started} ms`);
        assert.equal((await live.request("GET", "/readyz", null)).status, 503);
        assert.equal((await live.request("GET", "/healthz", null)).status, 200, "the process itself stays up");

        store.start();
        await until("service to resume", async () =>
          (await live.request("POST", "/v1/sessions/verify", ROOT, { token: acknowledged[10]!.token })).status === 200 ? true : null,
        );
        running = false;
        await traffic;

        for (const s of acknowledged) {
          const r = await live.request("POST", "/v1/sessions/verify", ROOT, { token: s.token });
          if (revoked.includes(s.token)) assert.equal(r.body.errors?.[0]?.code, "session_revoked");
          else assert.equal(r.status, 200, `acknowledged session ${s.id} lost: ${JSON.stringify(r.body)}`);
        }
        assert.ok(server.process.exitCode === null, "the server never crashed");
      } finally {
        await server?.stop();
        store.destroy();
      }
    });
  });
}
