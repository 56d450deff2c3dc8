/**
 * The activity-durability trade (docs/operations.md#activity-writes): verify answers before its
 * activity is written (a batch every few ms), so a crash may lose the last moments of recorded
 * activity, never a state change. Under a verify load with activity due on every request (a new
 * IP each time) and revocations, `sessiond serve` on a SQLite file is killed with SIGKILL; after
 * a restart every activity acknowledged more than a second before the kill is in the history,
 * and every acknowledged revocation holds.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startServer } from "../system/server.js";

const ROOT = "crash-root-key-0123456789abcdef0123456";
const WORKERS = 12;
const SESSIONS_PER_WORKER = 6;
const LOAD_MS = 3000;
/** What a crash may lose: activity acknowledged within this long before the kill. */
const LOSS_WINDOW_MS = 1000;

interface Acknowledged {
  sessionId: string;
  activityId: string;
  at: number;
  /** When the 200 arrived, by this process's clock. */
  ackedAt: number;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ROOT}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every activity id in a session's history (all pages). */
async function historyOf(url: string, id: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await call(url, "GET", `/v1/sessions/${id}/activities?limit=500${cursor === null ? "" : `&cursor=${cursor}`}`);
    assert.equal(page.status, 200);
    for (const a of page.body.data as { id: string }[]) ids.add(a.id);
    cursor = page.body.next_cursor as string | null;
  } while (cursor !== null);
  return ids;
}

describe("kill -9 of the server while activity is queued (SQLite)", () => {
  it("keeps every activity acknowledged more than a second before the kill, and every acknowledged revocation", async (t) => {
    const cwd = mkdtempSync(join(tmpdir(), "sessiond-activity-crash-"));
    const env = {
      SESSIOND_ROOT_KEY: ROOT,
      SESSIOND_STORE: `sqlite:${join(cwd, "sessiond.db")}`,
      SESSIOND_GEOIP_DATABASE: "off",
      SESSIOND_ACTIVITY_HISTORY_LIMIT: "1000",
    };
    let server = await startServer(cwd, env);
    try {
      const tokens = new Map<string, string>();
      for (let i = 0; i < WORKERS * SESSIONS_PER_WORKER; i++) {
        const created = await call(server.url, "POST", "/v1/sessions", { user_id: `user-${i % 17}`, ip: "203.0.113.1" });
        assert.equal(created.status, 200);
        tokens.set(created.body.id as string, created.body.token as string);
      }
      const ids = [...tokens.keys()];
      const acknowledged: Acknowledged[] = [];
      const revoked = new Set<string>();
      let running = true;
      let requests = 0;
      const worker = async (n: number) => {
        const mine = ids.slice(n * SESSIONS_PER_WORKER, (n + 1) * SESSIONS_PER_WORKER);
        for (let i = 0; running && mine.length > 0; i++) {
          const id = mine[i % mine.length]!;
          try {
            if (i % 8 === 7) {
              // A revocation: acknowledged means durable, whatever the activity queue held.
              const answer = await call(server.url, "POST", `/v1/sessions/${id}/revoke`);
              if (answer.status === 200) revoked.add(id);
              mine.splice(mine.indexOf(id), 1);
              continue;
            }
            // A new address on every request: activity is due every time.
            const ip = `10.${n}.${(i >> 8) & 255}.${i & 255}`;
            const answer = await call(server.url, "POST", "/v1/sessions/verify", { token: tokens.get(id), ip });
            requests += 1;
            if (answer.status !== 200) continue;
            const latest = answer.body.latest_activity as { id: string; at: number; ip_address: string };
            assert.equal(latest.ip_address, ip, "the answer shows the activity it recorded");
            acknowledged.push({ sessionId: id, activityId: latest.id, at: latest.at, ackedAt: Date.now() });
          } catch {
            return; // the connection died with the server
          }
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
      await sleep(LOAD_MS);
      const exited = once(server.process, "exit");
      const killedAt = Date.now();
      process.kill(server.process.pid!, "SIGKILL");
      running = false;
      await exited;
      await load;
      server = await startServer(cwd, env);

      const histories = new Map<string, Set<string>>();
      for (const id of ids) histories.set(id, await historyOf(server.url, id));
      const old = acknowledged.filter((a) => a.ackedAt < killedAt - LOSS_WINDOW_MS);
      const lostOld = old.filter((a) => !histories.get(a.sessionId)!.has(a.activityId));
      const lostRecent = acknowledged.filter((a) => a.ackedAt >= killedAt - LOSS_WINDOW_MS && !histories.get(a.sessionId)!.has(a.activityId));
      const newestLost = lostRecent.reduce((m, a) => Math.max(m, killedAt - a.ackedAt), 0);
      const revocationsLost: string[] = [];
      for (const id of revoked) {
        const answer = await call(server.url, "POST", "/v1/sessions/verify", { token: tokens.get(id) });
        if ((answer.body.errors as { code: string }[] | undefined)?.[0]?.code !== "session_revoked") revocationsLost.push(id);
      }
      t.diagnostic(
        `${requests} verifies, ${acknowledged.length} activities acknowledged (${old.length} more than ${LOSS_WINDOW_MS} ms before the kill), ` +
          `${revoked.size} revocations; lost: ${lostOld.length} old, ${lostRecent.length} recent (the oldest ${newestLost} ms before the kill), ` +
          `${revocationsLost.length} revocations`,
      );
      assert.ok(old.length >= 50 && revoked.size >= 5, `too little load to mean anything: ${old.length} old activities, ${revoked.size} revocations`);
      assert.deepEqual(lostOld.slice(0, 5), [], `${lostOld.length} activities acknowledged over ${LOSS_WINDOW_MS} ms before the kill were lost`);
      assert.deepEqual(revocationsLost, [], "every acknowledged revocation holds");
    } finally {
      await server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
