import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Clock } from "../../src/core/clock.js";
import type { CreateSessionInput } from "../../src/core/create.js";
import type { Sessions } from "../../src/core/service.js";
import { wireSession } from "../../src/http/wire.js";
import { UNKNOWN_SESSION_ID, jsonOf, seed, sessiond, tempStore } from "./run.js";

type WireSession = ReturnType<typeof wireSession>;
interface WireList {
  data: WireSession[];
  total_count: number;
  next_cursor: string | null;
}

const UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";

/** One second apart, ending a minute ago: distinct creation order, and all still well within their lifetime. */
function stepping(): Clock {
  let t = Date.now() - 60_000;
  return { now: () => (t += 1000) };
}

/** Creates the sessions named by `inputs` in order and returns their ids by name. */
async function create(sessions: Sessions, inputs: Record<string, Omit<CreateSessionInput, "ip" | "userAgent">>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, input] of Object.entries(inputs)) ids[name] = (await sessions.create({ ip: "203.0.113.7", userAgent: UA, ...input })).session.id;
  return ids;
}

describe("sessiond sessions list and show", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  let ids: Record<string, string>;
  let expected: Record<string, WireSession>;

  before(async () => {
    ({ ids, expected } = await seed(
      store,
      async (sessions) => {
        const ids = await create(sessions, {
          a1: { tenantId: "acme", userId: "u1", workspaceId: "ws_1" },
          a2: { tenantId: "acme", userId: "u1" },
          a3: { tenantId: "acme", userId: "u2", clientId: "mobile" },
          a4: { tenantId: "acme", userId: "u3" },
          o1: { tenantId: "other", userId: "u1" },
        });
        await sessions.revoke(ids.a4!, { reason: "compromised" });
        const expected: Record<string, WireSession> = {};
        for (const [name, id] of Object.entries(ids)) expected[name] = wireSession(await sessions.get(id));
        return { ids, expected };
      },
      stepping(),
    ));
  });

  it("list --json is the REST list: wire sessions newest first, total_count and next_cursor", async () => {
    const list = jsonOf<WireList>(await sessiond(["sessions", "list", "--tenant", "acme", "--json"], env));
    assert.deepEqual(list, { data: [expected.a4, expected.a3, expected.a2, expected.a1], total_count: 4, next_cursor: null });
  });

  it("list filters by user, client, workspace and status, across tenants unless one is named", async () => {
    const cases: Array<[string[], string[]]> = [
      [
        ["--user", "u1"],
        ["o1", "a2", "a1"],
      ],
      [
        ["--user", "u1", "--tenant", "acme"],
        ["a2", "a1"],
      ],
      [["--client", "mobile"], ["a3"]],
      [["--workspace", "ws_1"], ["a1"]],
      [["--status", "revoked"], ["a4"]],
      [["--tenant", "nobody"], []],
    ];
    for (const [flags, names] of cases) {
      const list = jsonOf<WireList>(await sessiond(["sessions", "list", ...flags, "--json"], env));
      assert.deepEqual(
        list.data.map((s) => s.id),
        names.map((n) => ids[n]),
        flags.join(" "),
      );
      assert.equal(list.total_count, names.length, flags.join(" "));
    }
  });

  it("list pages with --limit and --cursor, or --offset", async () => {
    const first = jsonOf<WireList>(await sessiond(["sessions", "list", "--tenant", "acme", "--limit", "3", "--json"], env));
    assert.deepEqual(
      first.data.map((s) => s.id),
      [ids.a4, ids.a3, ids.a2],
    );
    assert.equal(first.total_count, 4);
    assert.equal(typeof first.next_cursor, "string");
    const second = jsonOf<WireList>(await sessiond(["sessions", "list", "--tenant", "acme", "--limit", "3", "--cursor", first.next_cursor!, "--json"], env));
    assert.deepEqual(
      second.data.map((s) => s.id),
      [ids.a1],
    );
    assert.equal(second.next_cursor, null);
    const skipped = jsonOf<WireList>(await sessiond(["sessions", "list", "--tenant", "acme", "--offset", "3", "--json"], env));
    assert.deepEqual(
      skipped.data.map((s) => s.id),
      [ids.a1],
    );
  });

  it("list prints a table with id, user, status, last activity, expiry and place", async () => {
    const run = await sessiond(["sessions", "list", "--tenant", "acme", "--limit", "3"], env);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^ID\s+USER\s+STATUS\s+LAST ACTIVE\s+EXPIRES\s+WHERE$/);
    const a2 = expected.a2!;
    const iso = (ms: number) => new Date(ms).toISOString();
    assert.match(lines[3]!, new RegExp(`^${a2.id}\\s+u1\\s+active\\s+${iso(a2.last_active_at)}\\s+${iso(a2.expire_at)}\\s+Berlin, DE / 203\\.0\\.113\\.7$`));
    assert.match(lines[1]!, new RegExp(`^${ids.a4}\\s+u3\\s+revoked\\s`));
    assert.equal(lines[4], "3 of 4 session(s)");
    assert.match(lines[5]!, /^more: --cursor [A-Za-z0-9_-]+$/);
  });

  it("show --json is the wire session, human output is key: value lines", async () => {
    assert.deepEqual(jsonOf(await sessiond(["sessions", "show", ids.a4!, "--json"], env)), expected.a4);
    const run = await sessiond(["sessions", "show", ids.a1!], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^id:\\s+${ids.a1}$`, "m"));
    assert.match(run.stdout, /^tenant_id:\s+acme$/m);
    assert.match(run.stdout, /^user_id:\s+u1$/m);
    assert.match(run.stdout, /^status:\s+active$/m);
    assert.match(run.stdout, /^workspace_id:\s+ws_1$/m);
    assert.match(run.stdout, new RegExp(`^expire_at:\\s+${new Date(expected.a1!.expire_at).toISOString()}$`, "m"));
    assert.match(run.stdout, /^revoked_at:\s+-$/m);
  });

  it("bad input and unknown ids exit with their code and name it on stderr", async () => {
    const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
      [["sessions", "show", UNKNOWN_SESSION_ID], {}, 66, /^sessiond: resource_not_found: /],
      [["sessions", "show", "nope"], {}, 64, /^sessiond: request_invalid: /],
      [["sessions", "list", "--limit", "0"], {}, 64, /^sessiond: request_invalid: limit /],
      [["sessions", "list", "--limit", "501"], {}, 64, /^sessiond: request_invalid: limit /],
      [["sessions", "list", "--limit", "ten"], {}, 64, /^sessiond: request_invalid: --limit must be an integer/],
      [["sessions", "list", "--offset", "-1"], {}, 64, /^sessiond: request_invalid: offset /],
      [["sessions", "list", "--status", "gone"], {}, 64, /^sessiond: request_invalid: status /],
      [["sessions", "list", "--cursor", "not-a-cursor"], {}, 64, /^sessiond: request_invalid: cursor /],
      [["sessions", "list"], { SESSIOND_LIFETIME_SECONDS: "abc" }, 78, /^sessiond: invalid configuration:\n.*SESSIOND_LIFETIME_SECONDS/],
      [["sessions", "list"], { SESSIOND_STORE: "mysql://db" }, 78, /SESSIOND_STORE: must be sqlite:<path>/],
    ];
    for (const [args, extra, code, stderr] of cases) {
      const run = await sessiond(args, { ...env, ...extra });
      assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, stderr, args.join(" "));
      assert.equal(run.stdout, "", args.join(" "));
    }
  });

  it("a configuration error with --json is a JSON error naming every bad variable", async () => {
    const run = await sessiond(["sessions", "list", "--json"], { ...env, SESSIOND_LIFETIME_SECONDS: "abc", SESSIOND_PORT: "-1" });
    assert.equal(run.code, 78);
    const { error } = JSON.parse(run.stderr) as { error: { code: string; problems: string[] } };
    assert.equal(error.code, "config_invalid");
    assert.ok(error.problems.some((p) => p.startsWith("SESSIOND_LIFETIME_SECONDS")));
    assert.ok(error.problems.some((p) => p.startsWith("SESSIOND_PORT")));
  });
});

describe("sessiond sessions revoke and revoke-user", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  let ids: Record<string, string>;

  before(async () => {
    ids = await seed(store, async (sessions) => {
      const ids = await create(sessions, {
        r1: { tenantId: "acme", userId: "u5" },
        e1: { tenantId: "acme", userId: "u4" },
        k1: { tenantId: "acme", userId: "u6" },
        k2: { tenantId: "acme", userId: "u6" },
        k3: { tenantId: "acme", userId: "u6" },
        o2: { tenantId: "other", userId: "u6" },
      });
      await sessions.end(ids.e1!);
      return ids;
    });
  });

  const statusOf = async (name: string) => jsonOf<WireSession>(await sessiond(["sessions", "show", ids[name]!, "--json"], env)).status;

  it("revoke ends the session as revoked with the reason, for good", async () => {
    const revoked = jsonOf<WireSession>(await sessiond(["sessions", "revoke", ids.r1!, "--reason", "stolen_laptop", "--json"], env));
    assert.equal(revoked.id, ids.r1);
    assert.equal(revoked.status, "revoked");
    assert.equal(revoked.end_reason, "stolen_laptop");
    assert.equal(typeof revoked.revoked_at, "number");
    assert.equal(await statusOf("r1"), "revoked");
    const again = await sessiond(["sessions", "revoke", ids.r1!], env);
    assert.equal(again.code, 0, "revoking a revoked session again is harmless");
    assert.equal(again.stdout, `revoked ${ids.r1} of user u5 (reason: stolen_laptop)\n`);
  });

  it("revoke refuses an ended session (65) and an unknown one (66)", async () => {
    const ended = await sessiond(["sessions", "revoke", ids.e1!], env);
    assert.equal(ended.code, 65);
    assert.match(ended.stderr, /^sessiond: session_terminal: /);
    assert.equal(await statusOf("e1"), "ended");
    const unknown = await sessiond(["sessions", "revoke", UNKNOWN_SESSION_ID], env);
    assert.equal(unknown.code, 66);
    assert.match(unknown.stderr, /^sessiond: resource_not_found: /);
  });

  it("revoke-user revokes the user's live sessions in that tenant, except the one kept", async () => {
    const done = jsonOf<{ revoked_count: number }>(await sessiond(["sessions", "revoke-user", "u6", "--tenant", "acme", "--except", ids.k1!, "--json"], env));
    assert.deepEqual(done, { revoked_count: 2 });
    assert.deepEqual(await Promise.all(["k1", "k2", "k3", "o2"].map(statusOf)), ["active", "revoked", "revoked", "active"]);
    const human = await sessiond(["sessions", "revoke-user", "u6", "--tenant", "acme", "--reason", "password_changed"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, "revoked 1 session(s) of user u6\n");
    const k1 = jsonOf<WireSession>(await sessiond(["sessions", "show", ids.k1!, "--json"], env));
    assert.equal(k1.end_reason, "password_changed");
  });

  it("revoke-user refuses a malformed --except (64)", async () => {
    const run = await sessiond(["sessions", "revoke-user", "u6", "--except", "nope"], env);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /^sessiond: request_invalid: except_session_id /);
  });
});
