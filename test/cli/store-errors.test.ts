/** A store that cannot be used as configured stops a command with a clear message, the store's exit code, and --json honoured. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { EXIT_CODES } from "../../src/cli/exit-codes.js";
import { freePort } from "../support/private-services.js";
import { POSTGRES_URL, REDIS_URL, postgresSkip, redisSkip, serviceSkip } from "../support/services.js";
import { sessiond } from "./run.js";

const UNAVAILABLE = EXIT_CODES.store_unavailable;

/** The JSON error of a run that must have failed with store_unavailable. */
function unavailable(run: { code: number | null; stdout: string; stderr: string }): string {
  assert.equal(run.code, UNAVAILABLE, run.stderr);
  assert.equal(run.stdout, "");
  const { error } = JSON.parse(run.stderr) as { error: { code: string; message: string } };
  assert.equal(error.code, "store_unavailable");
  return error.message;
}

const withPath = (url: string, change: (u: URL) => void) => {
  const parsed = new URL(url);
  change(parsed);
  return parsed.href;
};

describe("PostgreSQL that cannot be used", { skip: await postgresSkip(), concurrency: true }, () => {
  it("an unknown database names host, port and database, as JSON with --json", async () => {
    const url = withPath(POSTGRES_URL, (u) => (u.pathname = "/no_such_db_for_cli"));
    const message = unavailable(await sessiond(["sessions", "list", "--json"], { SESSIOND_STORE: url }));
    const { hostname, port } = new URL(url);
    assert.ok(message.includes(`${hostname}:${port || 5432}`) && message.includes("no_such_db_for_cli"), message);
  });

  it("an unknown user is refused by name, and the password never shows", async () => {
    const url = withPath(POSTGRES_URL, (u) => {
      u.username = "no_such_cli_user";
      u.password = "hunter2-cli";
    });
    const message = unavailable(await sessiond(["stats", "--json"], { SESSIOND_STORE: url }));
    assert.ok(message.includes("no_such_cli_user"), message);
    const human = await sessiond(["stats"], { SESSIOND_STORE: url });
    assert.equal(human.code, UNAVAILABLE);
    assert.ok(!human.stderr.includes("hunter2-cli") && !human.stderr.includes("internal"), human.stderr);
  });

  it("a closed port names host and port", async () => {
    const port = await freePort();
    const message = unavailable(await sessiond(["keys", "list", "--json"], { SESSIOND_STORE: withPath(POSTGRES_URL, (u) => (u.port = String(port))) }));
    assert.ok(message.includes(`:${port}`), message);
  });
});

describe("Redis that cannot be used", { skip: await redisSkip(REDIS_URL), concurrency: true }, () => {
  it("a database the server does not have (SELECT 99 of 16) stops the command instead of running on database 0", async () => {
    const url = withPath(REDIS_URL, (u) => (u.pathname = "/99"));
    const message = unavailable(await sessiond(["sessions", "list", "--json"], { SESSIOND_STORE: url }));
    assert.match(message, /database 99/);
    const serve = await sessiond(
      ["serve", "--port", "0"],
      { SESSIOND_STORE: url, SESSIOND_ROOT_KEY: "a-configured-root-key-of-enough-length" },
      undefined,
      15_000,
    );
    assert.equal(serve.code, UNAVAILABLE, "the server does not start either");
    assert.doesNotMatch(serve.stdout, /sessiond listening/);
  });
});

describe("Redis with a password", {
  skip: await serviceSkip("redis-server", async () => (await import("node:child_process")).execFileSync("redis-server", ["--version"])),
}, () => {
  let server: ChildProcess;
  let port: number;
  before(async () => {
    port = await freePort();
    // A private server of our own: the shared Redis must not get a password.
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", "right-password", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    const { Redis } = await import("ioredis");
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({ port, host: "127.0.0.1", password: "right-password", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      const up = await probe.connect().then(
        () => true,
        () => false,
      );
      probe.disconnect();
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("private redis-server did not start");
  });
  after(() => void server.kill());

  it("a wrong password or none stops the command with an authentication message; the right one works", async () => {
    for (const auth of [":wrong-password@", ""]) {
      const message = unavailable(await sessiond(["sessions", "list", "--json"], { SESSIOND_STORE: `redis://${auth}127.0.0.1:${port}/2` }));
      assert.match(message, new RegExp(`127\\.0\\.0\\.1:${port}.*authentication`));
      assert.ok(!message.includes("wrong-password"));
    }
    const ok = await sessiond(["sessions", "list", "--json"], { SESSIOND_STORE: `redis://:right-password@127.0.0.1:${port}/2` });
    assert.equal(ok.code, 0, ok.stderr);
  });
});
