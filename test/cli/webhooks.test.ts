import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { before, describe, it } from "node:test";
import { newId, systemRandom } from "../../src/core/session-token.js";
import { jsonOf, seed, sessiond, tempStore } from "./run.js";

interface WireEndpoint {
  object: string;
  id: string;
  tenant_id: string | null;
  url: string;
  event_types: string[];
  format: string;
  audience: string | null;
  disabled: boolean;
  created_at: number;
  secret?: string;
}

interface WireEvent {
  object: string;
  id: string;
  type: string;
  tenant_id: string;
  data: { id: string; user_id: string };
}

const UNKNOWN_ENDPOINT_ID = `whe_${"0".repeat(26)}`;

describe("sessiond webhooks", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  let created: WireEndpoint;

  before(async () => {
    created = jsonOf<WireEndpoint>(await sessiond(["webhooks", "create", "https://hooks.example/in", "--description", "billing", "--json"], env));
  });

  it("create --json prints the wire endpoint with its secret, deployment-wide by default", () => {
    assert.deepEqual(Object.keys(created).sort(), [
      "audience",
      "created_at",
      "description",
      "disabled",
      "event_types",
      "format",
      "id",
      "object",
      "secret",
      "tenant_id",
      "url",
    ]);
    assert.equal(created.object, "webhook_endpoint");
    assert.equal(created.tenant_id, null);
    assert.deepEqual(created.event_types, []);
    assert.equal(created.format, "standard_webhooks");
    assert.match(created.id, /^whe_/);
    assert.match(created.secret!, /^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  it("create for people prints the secret once with the id; a tenant's endpoint takes --tenant and repeated --type", async () => {
    const run = await sessiond(
      ["webhooks", "create", "https://acme.example/in", "--tenant", "acme", "--type", "session.revoked", "--type", "session.ended"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^created webhook endpoint whe_\w+ for tenant acme: https:\/\/acme\.example\/in$/m);
    assert.match(run.stdout, /^ {2}whsec_[A-Za-z0-9+/]{43}=$/m);
    const acme = jsonOf<{ data: WireEndpoint[] }>(await sessiond(["webhooks", "list", "--tenant", "acme", "--json"], env)).data;
    assert.equal(acme.length, 1);
    assert.deepEqual(acme[0]!.event_types, ["session.revoked", "session.ended"]);
  });

  it("list shows endpoints without their secrets, as JSON and as a table", async () => {
    const all = jsonOf<{ data: WireEndpoint[] }>(await sessiond(["webhooks", "list", "--json"], env)).data;
    const { secret: _secret, ...shown } = created;
    assert.deepEqual(
      all.find((e) => e.id === created.id),
      shown,
    );
    assert.ok(all.every((e) => !("secret" in e)));
    const human = await sessiond(["webhooks", "list"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^ID\s+TENANT\s+URL\s+TYPES\s+FORMAT\s+STATE\s+CREATED$/m);
    assert.match(human.stdout, new RegExp(`^${created.id}\\s+\\(all\\)\\s+https://hooks\\.example/in\\s+\\(all\\)\\s+standard_webhooks\\s+enabled`, "m"));
    assert.doesNotMatch(human.stdout, /whsec_/);
  });

  it("bad input exits 64 with request_invalid and stores nothing", async () => {
    const before = jsonOf<{ data: WireEndpoint[] }>(await sessiond(["webhooks", "list", "--json"], env)).data.length;
    const cases: string[][] = [
      ["webhooks", "create", "ftp://hooks.example/in"],
      ["webhooks", "create", "https://user:pass@hooks.example/in"],
      ["webhooks", "create", `https://hooks.example/${"a".repeat(2100)}`],
      ["webhooks", "create", "https://hooks.example/in", "--type", "session.exploded"],
      ["webhooks", "create", "https://hooks.example/in", "--format", "slack"],
      ["webhooks", "create", "https://hooks.example/in", "--format", "oidc_backchannel_logout"],
      ["webhooks", "delete", "whe_nope"],
      ["webhooks", "deliveries", created.id, "--limit", "many"],
      ["webhooks", "deliveries", created.id, "--limit", "0"],
    ];
    for (const args of cases) {
      const run = await sessiond(args, env);
      assert.equal(run.code, 64, `${args.join(" ").slice(0, 80)}: ${run.stderr}`);
      assert.match(run.stderr, /^sessiond: request_invalid: /);
      assert.equal(run.stdout, "");
    }
    const after = jsonOf<{ data: WireEndpoint[] }>(await sessiond(["webhooks", "list", "--json"], env)).data.length;
    assert.equal(after, before);
  });

  it("deliveries shows the attempt log newest first and pages with --cursor", async () => {
    const now = Date.now();
    await seed(store, (_sessions, runtime) =>
      runtime.store.webhooks.logAttempts(
        [1, 2, 3].map((n) => ({
          id: newId("wha", now + n, systemRandom),
          endpointId: created.id,
          eventId: newId("evt", now + n, systemRandom),
          attempt: n,
          status: n === 3 ? ("succeeded" as const) : ("failed" as const),
          responseStatus: n === 3 ? 200 : 503,
          durationMs: 10 * n,
          at: now + n,
          nextAttemptAt: n === 3 ? null : now + n + 5000,
          error: null,
        })),
        0,
      ),
    );
    const first = jsonOf<{ data: { attempt: number; object: string }[]; next_cursor: string | null }>(
      await sessiond(["webhooks", "deliveries", created.id, "--limit", "2", "--json"], env),
    );
    assert.deepEqual(
      first.data.map((d) => d.attempt),
      [3, 2],
    );
    assert.equal(first.data[0]!.object, "webhook_delivery");
    const rest = jsonOf<{ data: { attempt: number }[]; next_cursor: string | null }>(
      await sessiond(["webhooks", "deliveries", created.id, "--limit", "2", "--cursor", first.next_cursor!, "--json"], env),
    );
    assert.deepEqual(
      rest.data.map((d) => d.attempt),
      [1],
    );
    assert.equal(rest.next_cursor, null);
    const human = await sessiond(["webhooks", "deliveries", created.id], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^AT\s+EVENT\s+ATTEMPT\s+STATUS\s+HTTP\s+MS\s+NEXT ATTEMPT$/m);
    assert.match(human.stdout, /\s3\s+succeeded\s+200\s+30\s+-$/m);
  });

  it("delete removes the endpoint; an unknown one exits 66", async () => {
    const doomed = jsonOf<WireEndpoint>(await sessiond(["webhooks", "create", "https://doomed.example/in", "--json"], env));
    const deleted = jsonOf<WireEndpoint>(await sessiond(["webhooks", "delete", doomed.id, "--json"], env));
    assert.equal(deleted.id, doomed.id);
    assert.equal("secret" in deleted, false);
    const listed = jsonOf<{ data: WireEndpoint[] }>(await sessiond(["webhooks", "list", "--json"], env)).data;
    assert.equal(
      listed.some((e) => e.id === doomed.id),
      false,
    );
    for (const command of ["delete", "test", "deliveries"]) {
      const run = await sessiond(["webhooks", command, UNKNOWN_ENDPOINT_ID, "--json"], env);
      assert.equal(run.code, 66, `${command}: ${run.stderr}`);
      assert.equal(JSON.parse(run.stderr).error.code, "resource_not_found");
    }
  });

  it("test sends a webhook.test signed with the secret create showed to a local receiver, and logs the attempt", async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((request, response) => {
      let body = "";
      request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      request.on("end", () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const local = { ...env, SESSIOND_WEBHOOK_ALLOW_PRIVATE: "true" };
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const endpoint = jsonOf<WireEndpoint>(await sessiond(["webhooks", "create", url, "--json"], local));
      const delivery = jsonOf<{ object: string; event_id: string; status: string; response_status: number }>(
        await sessiond(["webhooks", "test", endpoint.id, "--json"], local),
      );
      assert.deepEqual([delivery.object, delivery.status, delivery.response_status], ["webhook_delivery", "succeeded", 204]);
      assert.equal(received.length, 1);
      const { headers, body } = received[0]!;
      assert.equal(JSON.parse(body).type, "webhook.test");
      assert.equal(headers["webhook-id"], delivery.event_id);
      const key = Buffer.from(endpoint.secret!.slice("whsec_".length), "base64");
      const expected = createHmac("sha256", key).update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`).digest("base64");
      assert.ok(String(headers["webhook-signature"]).split(" ").includes(`v1,${expected}`), "signed with the secret create printed");
      const log = jsonOf<{ data: { event_id: string }[] }>(await sessiond(["webhooks", "deliveries", endpoint.id, "--json"], local));
      assert.deepEqual(
        log.data.map((d) => d.event_id),
        [delivery.event_id],
      );
      const human = await sessiond(["webhooks", "test", endpoint.id], local);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`^test event evt_\\w+ to ${endpoint.id}: succeeded \\(HTTP 204, \\d+ ms\\)$`, "m"));
    } finally {
      receiver.close();
    }
  });

  it("--help of each command names its options", async () => {
    const commands: Array<[string[], string[]]> = [
      [
        ["webhooks", "create"],
        ["<url>", "--tenant <id>", "--type <type>", "--description <text>", "--format <format>", "--audience <aud>"],
      ],
      [["webhooks", "list"], ["--tenant <id>"]],
      [["webhooks", "delete"], ["<endpoint_id>"]],
      [["webhooks", "test"], ["<endpoint_id>"]],
      [
        ["webhooks", "deliveries"],
        ["<endpoint_id>", "--limit <n>", "--cursor <cursor>"],
      ],
      [
        ["events", "list"],
        ["--after <position>", "--type <type>", "--user <id>", "--tenant <id>", "--limit <n>"],
      ],
    ];
    for (const [path, options] of commands) {
      const run = await sessiond([...path, "--help"]);
      assert.equal(run.code, 0, run.stderr);
      for (const option of [...options, "--json", "--store <value>"]) assert.ok(run.stdout.includes(option), `help of ${path.join(" ")} lacks ${option}`);
    }
  });
});

describe("sessiond events list", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  const ids: Record<string, string> = {};

  before(async () => {
    await seed(store, async (sessions) => {
      ids.ann = (await sessions.create({ userId: "ann", tenantId: "acme" })).session.id;
      ids.bob = (await sessions.create({ userId: "bob", tenantId: "globex" })).session.id;
      await sessions.revoke(ids.ann, { tenantId: "acme" });
    });
  });

  it("lists events oldest first with the cursor to continue from", async () => {
    const page = jsonOf<{ data: WireEvent[]; next_cursor: string }>(await sessiond(["events", "list", "--json"], env));
    assert.deepEqual(
      page.data.map((e) => [e.type, e.data.id]),
      [
        ["session.created", ids.ann],
        ["session.created", ids.bob],
        ["session.revoked", ids.ann],
      ],
    );
    assert.equal(page.data[0]!.object, "event");
    assert.equal(typeof page.next_cursor, "string");
    const after = jsonOf<{ data: WireEvent[]; next_cursor: string }>(await sessiond(["events", "list", "--after", page.next_cursor, "--json"], env));
    assert.deepEqual(after.data, []);
    assert.equal(typeof after.next_cursor, "string", "the cursor never runs out");
    const fromFirst = jsonOf<{ data: WireEvent[] }>(await sessiond(["events", "list", "--after", page.data[0]!.id, "--limit", "1", "--json"], env));
    assert.deepEqual(
      fromFirst.data.map((e) => e.data.id),
      [ids.bob],
    );
  });

  it("filters by --type (repeatable), --user and --tenant", async () => {
    const list = async (...args: string[]) => jsonOf<{ data: WireEvent[] }>(await sessiond(["events", "list", ...args, "--json"], env)).data;
    assert.deepEqual(
      (await list("--type", "session.revoked")).map((e) => e.data.id),
      [ids.ann],
    );
    assert.equal((await list("--type", "session.revoked", "--type", "session.created")).length, 3);
    assert.deepEqual(
      (await list("--tenant", "globex")).map((e) => e.data.id),
      [ids.bob],
    );
    assert.deepEqual(
      (await list("--tenant", "acme", "--user", "ann")).map((e) => e.type),
      ["session.created", "session.revoked"],
    );
  });

  it("prints a table for people, and refuses bad input with 64", async () => {
    const human = await sessiond(["events", "list"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^ID\s+TYPE\s+TENANT\s+USER\s+SESSION\s+AT\s+BY$/m);
    assert.match(human.stdout, new RegExp(`^evt_\\w+\\s+session\\.revoked\\s+acme\\s+ann\\s+${ids.ann}\\s`, "m"));
    assert.match(human.stdout, /^next: --after \S+$/m);
    for (const args of [
      ["--type", "session.exploded"],
      ["--limit", "0"],
      ["--after", "junk!"],
    ]) {
      const run = await sessiond(["events", "list", ...args], env);
      assert.equal(run.code, 64, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /^sessiond: request_invalid: /);
    }
  });
});
