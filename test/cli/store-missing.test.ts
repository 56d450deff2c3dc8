/** Commands that read (or change) what a store holds refuse a store that is not there, instead of creating an empty one. */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EXIT_CONFIG, EXIT_USAGE } from "../../src/cli/exit-codes.js";
import { UNKNOWN_SESSION_ID, jsonOf, sessiond, tempDir } from "./run.js";

const READERS: string[][] = [
  ["sessions", "list"],
  ["sessions", "show", UNKNOWN_SESSION_ID],
  ["sessions", "revoke", UNKNOWN_SESSION_ID],
  ["stats"],
  ["keys", "list"],
  ["keys", "signing"],
  ["templates", "list"],
  ["sweep"],
];

describe("commands on a store that does not exist", { concurrency: true }, () => {
  for (const args of READERS) {
    it(`${args.slice(0, 2).join(" ")} in a directory without data exits ${EXIT_CONFIG}, names the path and creates nothing`, async () => {
      const cwd = tempDir();
      const run = await sessiond(args, {}, cwd);
      assert.equal(run.code, EXIT_CONFIG, run.stderr);
      assert.equal(run.stdout, "");
      assert.ok(run.stderr.includes(join(cwd, "data", "sessiond.db")), run.stderr);
      assert.match(run.stderr, /--store|SESSIOND_STORE/);
      assert.deepEqual(readdirSync(cwd), [], "no data directory, database or key file was created");
    });
  }

  it("reports the missing store as JSON with --json, naming the path", async () => {
    const dir = tempDir();
    const path = join(dir, "elsewhere", "sessiond.db");
    const run = await sessiond(["stats", "--json"], { SESSIOND_STORE: `sqlite:${path}` });
    assert.equal(run.code, EXIT_CONFIG);
    const { error } = JSON.parse(run.stderr) as { error: { code: string; problems: string[] } };
    assert.equal(error.code, "config_invalid");
    assert.ok(error.problems.some((p) => p.includes(path)));
    assert.equal(existsSync(join(dir, "elsewhere")), false);
  });

  it("commands that create state still start a new store (migrate, keys create)", async () => {
    const cwd = tempDir();
    assert.equal((await sessiond(["migrate"], {}, cwd)).code, 0);
    assert.ok(existsSync(join(cwd, "data", "sessiond.db")));
    const other = tempDir();
    const key = jsonOf<{ tenant_id: string | null }>(await sessiond(["keys", "create", "--root", "--json"], {}, other));
    assert.equal(key.tenant_id, null);
    assert.equal(jsonOf<{ total_count: number }>(await sessiond(["sessions", "list", "--json"], {}, other)).total_count, 0, "once it exists, it is read");
  });
});

describe("server-only flags", { concurrency: true }, () => {
  it("are listed by serve --help and by no other command, which refuse them as unknown options", async () => {
    const serve = await sessiond(["serve", "--help"]);
    for (const flag of ["--host <value>", "--port <value>", "--root-key <value>", "--root-key-file <value>"]) assert.ok(serve.stdout.includes(flag), flag);
    for (const path of [["sessions", "list"], ["stats"], ["keys", "revoke"], ["migrate"]]) {
      const help = await sessiond([...path, "--help"]);
      assert.equal(help.code, 0);
      for (const flag of ["--host", "--port", "--root-key"]) assert.ok(!help.stdout.includes(flag), `${path.join(" ")} --help lists ${flag}`);
    }
    for (const flag of ["--host", "--port", "--root-key"]) {
      const run = await sessiond(["sessions", "list", flag, "x"], { SESSIOND_STORE: "memory:" });
      assert.equal(run.code, EXIT_USAGE, `${flag}: ${run.stderr}`);
    }
  });

  it("keys rotate-signing lists the key-encryption key flags it uses", async () => {
    const help = await sessiond(["keys", "rotate-signing", "--help"]);
    assert.ok(help.stdout.includes("--key-encryption-key-file <value>") && help.stdout.includes("--key-encryption-key <value>"));
  });

  it("a secret given as a flag value works, with a warning on stderr that names a file setting instead", async () => {
    const run = await sessiond(["keys", "signing", "--json", "--key-encryption-key", "a-key-encryption-key-of-enough-length-0123"], {
      SESSIOND_STORE: "memory:",
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: --key-encryption-key .*SESSIOND_KEY_ENCRYPTION_KEY_FILE/);
    assert.ok(!run.stderr.includes("a-key-encryption-key-of-enough-length-0123"));
    const quiet = await sessiond(["keys", "signing", "--json"], {
      SESSIOND_STORE: "memory:",
      SESSIOND_KEY_ENCRYPTION_KEY: "a-key-encryption-key-of-enough-length-0123",
    });
    assert.equal(quiet.stderr, "", "the environment is not the command line");
  });
});
