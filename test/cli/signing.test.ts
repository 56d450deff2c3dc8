import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { decodeProtectedHeader } from "jose";
import { KEY_FILE_NAME } from "../../src/jwt/key-encryption.js";
import { POSTGRES_URL, dropSchema, freshSchema } from "../support/services.js";
import { jsonOf, seed, sessiond, tempStore } from "./run.js";

interface Rotation {
  kid: string;
  signs_from: number;
  retired: { kid: string; retire_at: number }[];
}

describe("sessiond keys rotate-signing / signing", () => {
  it("seals keys with a generated 0600 key file beside the SQLite database, and rotates with an overlap", async () => {
    const store = tempStore();
    const env = { SESSIOND_STORE: store };
    assert.equal((await sessiond(["migrate"], env)).code, 0, "keys signing only reads: the store must exist");
    assert.match((await sessiond(["keys", "signing"], env)).stdout, /no signing keys yet/);

    const first = jsonOf<Rotation>(await sessiond(["keys", "rotate-signing", "--json"], env));
    assert.deepEqual(first.retired, []);
    const keyFile = join(dirname(store.slice("sqlite:".length)), KEY_FILE_NAME);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);

    const second = jsonOf<Rotation>(await sessiond(["keys", "rotate-signing", "--json"], env));
    assert.deepEqual(
      second.retired.map((r) => r.kid),
      [first.kid],
    );
    assert.ok(second.signs_from > Date.now() + 50_000, "the new key signs after its publish lead");
    assert.ok(second.retired[0]!.retire_at > Date.now() + 3_600_000, "the old one stays published past the longest token");
    const listed = jsonOf<{ data: { kid: string; state: string }[] }>(await sessiond(["keys", "signing", "--json"], env)).data;
    assert.deepEqual(
      listed.map((k) => [k.kid, k.state]),
      [
        [second.kid, "current"],
        [first.kid, "retiring"],
      ],
    );

    // Another process on the same database opens the keys with the same key file and signs with the old key until the lead has passed.
    const kid = await seed(store, async (_sessions, runtime) => {
      const { session } = await runtime.sessions.create({ userId: "ann" });
      return decodeProtectedHeader((await runtime.sessions.mintJwt(session.id)).jwt).kid;
    });
    assert.equal(kid, first.kid);

    const human = await sessiond(["keys", "rotate-signing", "--immediately"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /new signing key \S+; it signs from/);
    assert.match(human.stdout, new RegExp(`retired ${second.kid}`));
  });

  it("refuses on a shared store without SESSIOND_KEY_ENCRYPTION_KEY, naming the setting", async () => {
    const schema = freshSchema();
    const run = await sessiond(["keys", "rotate-signing"], { SESSIOND_STORE: `${POSTGRES_URL}?schema=${schema}` });
    await dropSchema(schema);
    assert.equal(run.code, 69, run.stderr);
    assert.match(run.stderr, /signing_key_unavailable: .*SESSIOND_KEY_ENCRYPTION_KEY/);
  });
});

describe("sessiond templates", () => {
  it("sets, lists, shows and deletes a tenant's JWT templates", async () => {
    const env = { SESSIOND_STORE: tempStore() };
    const saved = jsonOf<{ name: string; claims: object; session_fields: string[]; lifetime_seconds: number }>(
      await sessiond(
        [
          "templates",
          "set",
          "hasura",
          "--tenant",
          "acme",
          "--claims",
          '{"role":"user"}',
          "--session-fields",
          "username, metadata",
          "--lifetime",
          "300",
          "--json",
        ],
        env,
      ),
    );
    assert.deepEqual([saved.name, saved.claims, saved.session_fields, saved.lifetime_seconds], ["hasura", { role: "user" }, ["username", "metadata"], 300]);
    assert.match((await sessiond(["templates", "list", "--tenant", "acme"], env)).stdout, /hasura\s+username,metadata\s+300s/);
    assert.match((await sessiond(["templates", "list"], env)).stdout, /no JWT templates/, "templates are per tenant");
    assert.match((await sessiond(["templates", "show", "hasura", "--tenant", "acme"], env)).stdout, /claims:\s+\{"role":"user"\}/);

    const bad = await sessiond(["templates", "set", "x", "--claims", '{"sub":"mallory"}'], env);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /request_invalid: claims may not set sub/);
    assert.equal((await sessiond(["templates", "set", "x", "--claims", "{nope"], env)).code, 64);

    assert.equal((await sessiond(["templates", "delete", "hasura", "--tenant", "acme"], env)).code, 0);
    const gone = await sessiond(["templates", "show", "hasura", "--tenant", "acme"], env);
    assert.equal(gone.code, 66);
    assert.match(gone.stderr, /resource_not_found/);
  });
});
