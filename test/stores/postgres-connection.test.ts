import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import { SessiondError } from "../../src/core/errors.js";
import { freePort } from "../support/private-services.js";
import { POSTGRES_URL, postgresSkip } from "../support/services.js";
import { postgresStore } from "../../src/stores/postgres/index.js";

/** What opening a store on `url` fails with. */
async function openFailure(url: string, timeoutMs = 2000): Promise<SessiondError> {
  try {
    const store = await postgresStore({ url, timeoutMs });
    await store.close();
  } catch (error) {
    assert.ok(error instanceof SessiondError, `a SessiondError, not ${String(error)}`);
    return error;
  }
  assert.fail(`${url} opened`);
}

const skip = await postgresSkip();
const base = new URL(POSTGRES_URL);
const at = (change: (url: URL) => void) => {
  const url = new URL(base.href);
  change(url);
  return url.href;
};

describe("PostgreSQL connection failures", { skip }, () => {
  const silent = createServer(() => undefined); // accepts and never answers: a connect that times out
  after(() => silent.close());

  it("name the host, port and database and answer store_unavailable: unknown database, unknown user, closed port, unknown host", async () => {
    const port = String(await freePort());
    const cases: Array<[string, string, RegExp]> = [
      [
        "unknown database",
        at((u) => (u.pathname = "/no_such_database_here")),
        new RegExp(`at ${base.hostname}:${base.port || 5432}, database "no_such_database_here": the database does not exist`),
      ],
      [
        "unknown user",
        at((u) => {
          u.username = "no_such_user_here";
          u.password = "s3cret-pw";
        }),
        /database "[^"]+": user "no_such_user_here" was refused/,
      ],
      ["closed port", at((u) => (u.port = port)), new RegExp(`at ${base.hostname}:${port}, database "[^"]+": connection refused`)],
      [
        "unknown host",
        at((u) => (u.hostname = "no-such-host.invalid")),
        /at no-such-host\.invalid:\d+, database "[^"]+": host no-such-host\.invalid not found/,
      ],
    ];
    for (const [name, url, message] of cases) {
      const error = await openFailure(url);
      assert.equal(error.code, "store_unavailable", name);
      assert.match(error.message, message, name);
      assert.ok(!error.message.includes("s3cret-pw"), "never the password");
    }
  });

  it("names the timeout when the server accepts but never answers", async () => {
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const error = await openFailure(`postgres://postgres@127.0.0.1:${port}/test`, 300);
    assert.equal(error.code, "store_unavailable");
    assert.match(error.message, new RegExp(`at 127.0.0.1:${port}, database "test": no answer within 300 ms`));
  });
});
