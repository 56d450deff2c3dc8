/** Secrets stay out of logs and off the command line, with the real binary. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { POSTGRES_URL, dropSchema, freshSchema, postgresSkip } from "../support/services.js";
import { startServer } from "./server.js";

const scratch = () => mkdtempSync(join(tmpdir(), "sessiond-secrets-"));
const listening = (stdout: string) => JSON.parse(stdout.split("\n").find((l) => l.includes('"sessiond listening"'))!) as { store: string };
const ROOT = "root-key-kept-in-a-file-0123456789abcdef";

describe("secrets", () => {
  it("logs a PostgreSQL store URL without its password, whether in the user info or in ?password=", async (t) => {
    const skip = await postgresSkip();
    if (skip !== false) return t.skip(skip);
    // The local PostgreSQL trusts every connection, so any password connects.
    const withUserInfo = new URL(POSTGRES_URL);
    withUserInfo.password = "hunter2-in-user-info";
    for (const [url, secret] of [
      [withUserInfo.href, "hunter2-in-user-info"],
      [`${POSTGRES_URL}?password=hunter2-in-query`, "hunter2-in-query"],
    ] as const) {
      const schema = freshSchema();
      const server = await startServer(scratch(), { SESSIOND_ROOT_KEY: ROOT, SESSIOND_STORE: `${url}${url.includes("?") ? "&" : "?"}schema=${schema}` });
      try {
        assert.ok(!server.stdout().includes(secret) && !server.stderr().includes(secret), `the password leaked:\n${server.stdout()}${server.stderr()}`);
        assert.match(listening(server.stdout()).store, /\*\*\*/, "the store is still named, its password hidden");
      } finally {
        await server.stop();
        await dropSchema(schema);
      }
    }
  });

  it("reads the root key from --root-key-file, and warns once when a secret is given as a flag value", async () => {
    const dir = scratch();
    const file = join(dir, "root-key");
    writeFileSync(file, `${ROOT}\n`, { mode: 0o600 });
    const fromFile = await startServer(dir, {}, ["--root-key-file", file]);
    try {
      assert.equal((await fromFile.request("GET", "/v1/keys", ROOT)).status, 200, "the file's key, without its newline, is the root key");
      assert.doesNotMatch(fromFile.stdout(), /visible to every local user/);
    } finally {
      await fromFile.stop();
    }
    const fromFlag = await startServer(scratch(), {}, ["--root-key", ROOT]);
    try {
      assert.equal((await fromFlag.request("GET", "/v1/keys", ROOT)).status, 200, "a flag still works");
      const warnings = fromFlag
        .stdout()
        .split("\n")
        .filter((l) => /--root-key on the command line/.test(l));
      assert.equal(warnings.length, 1, fromFlag.stdout());
      assert.equal(JSON.parse(warnings[0]!).level, 40);
      assert.ok(!fromFlag.stdout().includes(ROOT), "the warning does not repeat the secret");
    } finally {
      await fromFlag.stop();
    }
  });
});
