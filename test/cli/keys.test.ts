import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { UNKNOWN_KEY_ID, jsonOf, seed, sessiond, tempDir, tempStore } from "./run.js";

interface WireKey {
  object: string;
  id: string;
  tenant_id: string | null;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
  key?: string;
}

describe("sessiond keys", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  let created: WireKey;

  before(async () => {
    created = jsonOf<WireKey>(await sessiond(["keys", "create", "--tenant", "acme", "--name", "ci", "--json"], env));
  });

  it("create --json prints the wire api_key with the key, and the key authenticates as the tenant", async () => {
    assert.deepEqual(Object.keys(created).sort(), ["created_at", "id", "key", "name", "object", "revoked_at", "tenant_id"]);
    assert.equal(created.object, "api_key");
    assert.equal(created.tenant_id, "acme");
    assert.equal(created.name, "ci");
    assert.equal(created.revoked_at, null);
    assert.match(created.id, /^sdk_/);
    assert.ok(created.key!.startsWith(`${created.id}.`));
    const principal = await seed(store, (_s, runtime) => runtime.apiKeys.authenticate(created.key));
    assert.deepEqual(principal, { keyId: created.id, tenantId: "acme" });
  });

  it("create prints the key once for people, with its id", async () => {
    const run = await sessiond(["keys", "create", "--tenant", "beta"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /created API key for tenant beta sdk_\w+/);
    assert.match(run.stdout, /^ {2}sdk_\w+\.[A-Za-z0-9_-]{43}$/m);
  });

  it("list shows keys, filtered by tenant", async () => {
    const all = jsonOf<{ data: WireKey[] }>(await sessiond(["keys", "list", "--json"], env));
    const listed = all.data.find((k) => k.id === created.id);
    const { key: _secret, ...shown } = created;
    assert.deepEqual(listed, shown);
    assert.ok(
      all.data.every((k) => !("key" in k)),
      "list must never show a key",
    );
    const other = jsonOf<{ data: WireKey[] }>(await sessiond(["keys", "list", "--tenant", "beta", "--json"], env));
    assert.ok(other.data.length > 0 && other.data.every((k) => k.tenant_id === "beta"));
    const human = await sessiond(["keys", "list", "--tenant", "acme"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^ID\s+TENANT\s+NAME\s+CREATED\s+REVOKED$/m);
    assert.match(human.stdout, new RegExp(`^${created.id}\\s+acme\\s+ci\\s+${new Date(created.created_at).toISOString()}`, "m"));
  });

  it("revoke marks the key revoked and it stops authenticating", async () => {
    const { key } = jsonOf<WireKey>(await sessiond(["keys", "create", "--tenant", "acme", "--json"], env));
    const id = key!.split(".")[0]!;
    const revoked = jsonOf<WireKey>(await sessiond(["keys", "revoke", id, "--json"], env));
    assert.equal(revoked.id, id);
    assert.equal(typeof revoked.revoked_at, "number");
    assert.equal(await seed(store, (_s, runtime) => runtime.apiKeys.authenticate(key)), null);
    const again = await sessiond(["keys", "revoke", id], env);
    assert.equal(again.code, 0, "revoking twice is harmless");
    assert.match(again.stdout, new RegExp(`revoked API key ${id}`));
  });

  it("errors exit with their code and name it on stderr", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["keys", "revoke", "bogus"], 64, /^sessiond: request_invalid: /],
      [["keys", "revoke", UNKNOWN_KEY_ID], 66, /^sessiond: resource_not_found: /],
      [["keys", "create", "--tenant", "Not A Tenant"], 64, /^sessiond: request_invalid: tenant_id/],
      [["keys", "create"], 64, /^sessiond: request_invalid: give exactly one of --tenant <id> or --root/],
      [["keys", "create", "--root", "--tenant", "acme"], 64, /give exactly one/],
    ];
    for (const [args, code, stderr] of cases) {
      const run = await sessiond(args, env);
      assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, stderr);
      assert.equal(run.stdout, "");
    }
  });

  it("revokes the only stored root key only when a configured root key (here from SESSIOND_ROOT_KEY_FILE) takes its place", async () => {
    const own = { SESSIOND_STORE: tempStore() };
    const root = jsonOf<WireKey>(await sessiond(["keys", "create", "--root", "--json"], own));
    const refused = await sessiond(["keys", "revoke", root.id, "--json"], own);
    assert.equal(refused.code, 64, "the last root key stays");
    assert.equal(JSON.parse(refused.stderr).error.code, "request_invalid");
    const file = join(tempDir(), "root-key");
    writeFileSync(file, "a-configured-root-key-of-enough-length\n", { mode: 0o600 });
    const revoked = jsonOf<WireKey>(await sessiond(["keys", "revoke", root.id, "--json"], { ...own, SESSIOND_ROOT_KEY_FILE: file }));
    assert.equal(typeof revoked.revoked_at, "number");
  });

  it("with --json an error is JSON on stderr", async () => {
    const run = await sessiond(["keys", "revoke", UNKNOWN_KEY_ID, "--json"], env);
    assert.equal(run.code, 66);
    assert.equal(JSON.parse(run.stderr).error.code, "resource_not_found");
  });
});
