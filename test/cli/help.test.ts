import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sessiond } from "./run.js";

// Each command's --help must name the options users rely on, plus the shared --json and --store.
const commands: Array<[string[], string[]]> = [
  [["migrate"], []],
  [
    ["keys", "create"],
    ["--tenant <id>", "--root", "--name <name>"],
  ],
  [["demo"], []],
  [["keys", "list"], ["--tenant <id>"]],
  [["keys", "revoke"], ["<key_id>"]],
  [
    ["sessions", "list"],
    ["--tenant <id>", "--user <id>", "--client <id>", "--workspace <id>", "--status <status>", "--limit <n>", "--cursor <cursor>", "--offset <n>"],
  ],
  [["sessions", "show"], ["<session_id>"]],
  [
    ["sessions", "revoke"],
    ["<session_id>", "--reason <reason>"],
  ],
  [
    ["sessions", "revoke-user"],
    ["<user_id>", "--tenant <id>", "--except <session_id>", "--reason <reason>"],
  ],
  [["stats"], ["--tenant <id>"]],
  [["sweep"], ["--max-batches <n>"]],
];

describe("sessiond --help", { concurrency: true }, () => {
  for (const [path, options] of commands) {
    it(`${path.join(" ")} --help exits 0 and names its options`, async () => {
      const run = await sessiond([...path, "--help"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: sessiond ${path.join(" ")}`, "m"));
      for (const option of [...options, "--json", "--store <value>"])
        assert.ok(run.stdout.includes(option), `help of ${path.join(" ")} lacks ${option}:\n${run.stdout}`);
    });
  }

  it("the top-level help lists every command", async () => {
    const run = await sessiond(["--help"]);
    assert.equal(run.code, 0);
    for (const name of ["serve", "migrate", "keys", "sessions", "stats", "sweep"]) assert.match(run.stdout, new RegExp(`^  ${name}\\b`, "m"));
  });

  it("--version prints the package version", async () => {
    const run = await sessiond(["--version"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it("demo runs a session's life on the configured store and reports it as JSON", async () => {
    const run = await sessiond(["demo", "--json"], { SESSIOND_STORE: "memory:" });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual({ ...JSON.parse(run.stdout), session_id: "x" }, { session_id: "x", verified: true, refreshed: true, after_revoke: "session_revoked" });
  });

  it("an unknown option is a usage error (64)", async () => {
    const run = await sessiond(["sessions", "list", "--bogus"], { SESSIOND_STORE: "memory:" });
    assert.equal(run.code, 64);
    assert.match(run.stderr, /unknown option '--bogus'/);
  });
});
