/** The root key's life with the real binary: printed only by a start that listens, replaced when leaked. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EXIT_CONFIG } from "../../src/cli/exit-codes.js";
import { BIN, printedRootKey, startServer } from "./server.js";

const scratch = () => mkdtempSync(join(tmpdir(), "sessiond-root-key-"));
const logLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string; storedRootKeys?: string[]; rootKeySource?: string });
const WARN = 40;

describe("the generated root key", () => {
  it("is printed only once the server listens: a start that fails on a taken port prints none, the next start prints it once", async () => {
    const cwd = scratch();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const failed = spawnSync(process.execPath, [BIN, "serve", "--port", String(port)], { cwd, env: { PATH: process.env.PATH ?? "" }, encoding: "utf8" });
      assert.equal(failed.status, EXIT_CONFIG, failed.stderr);
      assert.equal(printedRootKey(failed.stderr), null, `no key from a start that failed:\n${failed.stderr}`);
    } finally {
      blocker.close();
    }

    const first = await startServer(cwd);
    const rootKey = printedRootKey(first.stderr());
    assert.ok(rootKey, "the first start that listens prints the key");
    assert.equal((await first.request("GET", "/v1/keys", rootKey)).status, 200);
    assert.equal(logLines(first.stdout()).find((l) => l.msg === "sessiond listening")?.rootKeySource, "generated");
    await first.stop();

    const second = await startServer(cwd);
    try {
      assert.equal(printedRootKey(second.stderr()), null, "printed once only");
      const hint = logLines(second.stdout()).find((l) => /keys create --root/.test(l.msg));
      assert.ok(hint, `the start-up log says how to get a new root key:\n${second.stdout()}`);
      assert.deepEqual(hint.storedRootKeys, [rootKey.split(".")[0]]);
      assert.equal((await second.request("GET", "/v1/keys", rootKey)).status, 200);
    } finally {
      await second.stop();
    }
  });
});

describe("replacing a leaked root key (README)", () => {
  it("a configured root key replaces the generated one: start-up names the stored key, which can then be revoked and stops working", async () => {
    const cwd = scratch();
    const first = await startServer(cwd);
    const leaked = printedRootKey(first.stderr())!;
    const leakedId = leaked.split(".")[0]!;
    const tenantKey = await first.request("POST", "/v1/keys", leaked, { tenant_id: "acme" });
    assert.equal(tenantKey.status, 200);
    assert.deepEqual(
      Object.keys(tenantKey.body).sort(),
      ["created_at", "id", "key", "name", "object", "revoked_at", "tenant_id"],
      "SPEC §5's key object, exactly",
    );
    assert.deepEqual([tenantKey.body.object, tenantKey.body.tenant_id, tenantKey.body.name, tenantKey.body.revoked_at], ["api_key", "acme", null, null]);
    await first.stop();

    const configured = "the-new-root-key-from-a-secret-store-0123456789";
    const second = await startServer(cwd, { SESSIOND_ROOT_KEY: configured });
    try {
      const warning = logLines(second.stdout()).find((l) => l.level === WARN && l.storedRootKeys !== undefined);
      assert.deepEqual(warning?.storedRootKeys, [leakedId], "start-up warns that the stored root key still works");
      const listed = (await second.request("GET", "/v1/keys", configured)).body.data as { id: string; tenant_id: string | null; revoked_at: number | null }[];
      assert.deepEqual(listed.map((k) => k.id).sort(), [leakedId, tenantKey.body.id].sort(), "stored keys only: the configured one is not listed");
      assert.deepEqual(
        listed.find((k) => k.id === leakedId),
        { ...listed.find((k) => k.id === leakedId), tenant_id: null, revoked_at: null },
      );

      const revoked = await second.request("DELETE", `/v1/keys/${leakedId}`, configured);
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.equal(typeof revoked.body.revoked_at, "number");
      assert.equal("key" in revoked.body, false);
      const refused = await second.request("GET", "/v1/keys", leaked);
      assert.deepEqual([refused.status, refused.body.errors[0].code], [401, "api_key_invalid"]);
      assert.equal((await second.request("GET", "/v1/stats", tenantKey.body.key)).status, 200, "tenant keys are untouched");
    } finally {
      await second.stop();
    }

    const rotated = "another-root-key-after-the-configured-one-leaked";
    const third = await startServer(cwd, { SESSIOND_ROOT_KEY: rotated });
    try {
      assert.equal(
        logLines(third.stdout()).some((l) => l.storedRootKeys !== undefined),
        false,
        "no stored root key is left to warn about",
      );
      assert.equal((await third.request("GET", "/v1/keys", configured)).status, 401, "a configured key stops working when it is replaced");
      assert.equal((await third.request("GET", "/v1/keys", rotated)).status, 200);
      assert.equal(printedRootKey(third.stderr()), null, "nothing is generated beside a configured key");
    } finally {
      await third.stop();
    }
  });
});
