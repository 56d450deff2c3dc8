/** `GET /v1/events` (SPEC §9): the wire event, who did it, paging with an event id or a cursor, filters, tenant scoping, bad input. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { wireEvent } from "../../src/http/wire.js";
import { type Harness, harness } from "./harness.js";

describe("the event feed over HTTP", () => {
  let h: Harness;
  before(async () => {
    h = await harness(
      {},
      {},
      {
        describe: ({ ip }) => ({
          isMobile: false,
          browserName: "Firefox",
          browserVersion: "128",
          deviceType: "desktop",
          osName: "Linux",
          city: null,
          country: ip === "198.51.100.1" ? "FR" : "DE",
          location: null,
        }),
      },
    );
  });
  after(() => h.close());

  const events = async (query: string, key?: string) => {
    const res = await h.call("GET", `/v1/events${query}`, key === undefined ? {} : { key });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { data: Array<ReturnType<typeof wireEvent>>; next_cursor: string };
  };

  it("shows each change once, in order, with the session after it, who did it and the sign-in signals", async () => {
    const start = (await events("")).next_cursor;
    const created = await h.call("POST", "/v1/sessions", { key: h.keys.acme, body: { user_id: "ann", ip: "203.0.113.1", user_agent: "Firefox" } });
    const { id, token } = created.json();
    assert.equal((await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token, ip: "198.51.100.1" } })).statusCode, 200);
    assert.equal((await h.call("POST", `/v1/sessions/${id}/revoke`, { key: h.keys.acme, body: { reason: "fraud" } })).statusCode, 200);
    const page = await events(`?after=${start}`);
    assert.deepEqual(
      page.data.map((e) => e.type),
      ["session.created", "session.activity_changed", "session.revoked"],
    );
    const [create, moved, revoke] = page.data;
    const acmeKeyId = (await h.apiKeys.list("acme"))[0]!.id;
    assert.deepEqual(create!.initiated_by, { type: "api_key", id: acmeKeyId });
    assert.deepEqual(create!.signals, { new_device: true, new_country: true, new_browser: true });
    assert.equal(create!.object, "event");
    assert.equal(create!.tenant_id, "acme");
    assert.equal(create!.data.id, id);
    assert.equal(create!.data.status, "active");
    assert.equal("token" in create!.data, false);
    assert.deepEqual(moved!.initiated_by, { type: "user", id: "ann" });
    assert.deepEqual(moved!.signals, { new_device: false, new_country: true, new_browser: false }, "FR is new, the browser and device are not");
    assert.equal(moved!.data.latest_activity?.country, "FR");
    assert.equal(revoke!.data.status, "revoked");
    assert.equal(revoke!.data.end_reason, "fraud");
    assert.equal("signals" in revoke!, false);
    assert.ok(create!.id < moved!.id && moved!.id < revoke!.id, "ids sort in commit order here");
    const afterFirst = await events(`?after=${create!.id}`);
    assert.deepEqual(
      afterFirst.data.map((e) => e.id),
      [moved!.id, revoke!.id],
      "after takes an event id",
    );
    const rest = await events(`?after=${page.next_cursor}`);
    assert.deepEqual(rest.data, []);
    assert.equal(rest.next_cursor, page.next_cursor, "an empty page keeps the cursor");
  });

  it("filters by type (repeatable) and user, pages with limit, and scopes to the key's tenant", async () => {
    const start = (await events("")).next_cursor;
    await h.call("POST", "/v1/sessions", { key: h.keys.globex, body: { user_id: "gus" } });
    const bob = (await h.call("POST", "/v1/sessions", { key: h.keys.acme, body: { user_id: "bob" } })).json();
    await h.call("POST", `/v1/sessions/${bob.id}/end`, { key: h.keys.acme });
    assert.deepEqual(
      (await events(`?after=${start}`, h.keys.acme)).data.map((e) => `${e.type} ${e.data.user_id}`),
      ["session.created bob", "session.ended bob"],
      "a tenant key sees its tenant only",
    );
    assert.equal((await events(`?after=${start}`)).data.length, 3, "the root key sees every tenant");
    assert.equal((await events(`?after=${start}&tenant_id=globex`)).data.length, 1);
    assert.deepEqual(
      (await events(`?after=${start}&type=session.ended&type=session.revoked`)).data.map((e) => e.type),
      ["session.ended"],
    );
    assert.deepEqual(
      (await events(`?after=${start}&user_id=gus`)).data.map((e) => e.data.user_id),
      ["gus"],
    );
    const first = await events(`?after=${start}&limit=2`);
    assert.equal(first.data.length, 2);
    assert.equal((await events(`?after=${first.next_cursor}`)).data.length, 1);
  });

  it("answers bad input with 4xx and a stable code", async () => {
    const bad = async (query: string, status: number, code: string, key?: string) => {
      const res = await h.call("GET", `/v1/events${query}`, key === undefined ? {} : { key });
      assert.equal(res.statusCode, status, `${query}: ${res.body}`);
      assert.equal(res.json().errors[0].code, code);
    };
    await bad("?type=session.exploded", 400, "request_invalid");
    await bad("?limit=0", 400, "request_invalid");
    await bad("?limit=501", 400, "request_invalid");
    await bad("?after=not-a-cursor!", 400, "request_invalid");
    await bad("?after=evt_0000000000000000000000000000z", 404, "resource_not_found");
    await bad("?tenant_id=globex", 403, "tenant_forbidden", h.keys.acme);
    await bad("?nope=1", 400, "request_invalid");
    assert.equal((await h.call("GET", "/v1/events", { key: null })).statusCode, 401);
  });
});
