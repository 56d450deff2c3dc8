/** A tenant key never reaches another tenant's sessions: not by id, not by cursor, not by filter. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { codeOf, harness, type Harness } from "../http/harness.js";

describe("tenant isolation", () => {
  let h: Harness;
  const acmeIds: string[] = [];
  before(async () => {
    h = await harness();
    for (let i = 0; i < 5; i++) {
      acmeIds.push((await h.sessions.create({ userId: "shared", tenantId: "acme", clientId: "web", workspaceId: "ws" })).session.id);
      await h.sessions.create({ userId: "shared", tenantId: "globex", clientId: "web", workspaceId: "ws" });
    }
  });
  after(async () => h.close());

  const asGlobex = (url: string) => h.call("GET", url, { key: h.keys.globex });
  const tenantsOf = (body: { data: { tenant_id: string }[] }) => [...new Set(body.data.map((s) => s.tenant_id))];

  it("filters by user, client, workspace and status only within the key's tenant", async () => {
    for (const query of ["user_id=shared", "client_id=web", "workspace_id=ws", "status=active", "limit=500"]) {
      const body = (await asGlobex(`/v1/sessions?${query}`)).json();
      assert.deepEqual(tenantsOf(body), ["globex"], query);
      assert.equal(body.total_count, 5, query);
    }
  });

  it("does not let a cursor from another tenant's listing page into that tenant", async () => {
    const acmePage = (await h.call("GET", "/v1/sessions?tenant_id=acme&limit=2")).json();
    assert.ok(acmePage.next_cursor);
    const response = await asGlobex(`/v1/sessions?limit=500&cursor=${acmePage.next_cursor}`);
    if (response.statusCode === 200)
      assert.deepEqual(
        tenantsOf(response.json()).filter((t) => t !== "globex"),
        [],
      );
    else assert.equal(codeOf(response), "request_invalid");
  });

  it("answers 404 for another tenant's session by id on every by-id route, and 403 for naming its tenant", async () => {
    const id = acmeIds[0]!;
    for (const [method, path] of [
      ["GET", ""],
      ["GET", "/activities"],
      ["PATCH", ""],
      ["POST", "/revoke"],
      ["POST", "/end"],
      ["DELETE", ""],
      ["POST", "/tokens"],
    ] as const) {
      const response = await h.call(method, `/v1/sessions/${id}${path}`, { key: h.keys.globex, ...(method === "PATCH" ? { body: { metadata: {} } } : {}) });
      assert.equal(codeOf(response), "resource_not_found", `${method} ${path}`);
    }
    assert.equal((await h.sessions.get(id)).status, "active", "nothing happened to it");
    assert.equal(codeOf(await asGlobex("/v1/sessions?tenant_id=acme")), "tenant_forbidden");
    assert.equal(codeOf(await asGlobex("/v1/stats?tenant_id=acme")), "tenant_forbidden");
  });

  it("counts, lists users and revokes users only in the key's tenant", async () => {
    assert.equal((await asGlobex("/v1/stats")).json().active_sessions, 5);
    assert.deepEqual(
      (await asGlobex("/v1/users")).json().data.map((u: { active_sessions: number }) => u.active_sessions),
      [5],
    );
    const revoked = await h.call("POST", "/v1/users/shared/sessions/revoke", { key: h.keys.globex, body: {} });
    assert.equal(revoked.json().revoked_count, 5);
    assert.equal(
      (await h.sessions.list({ tenantId: "acme", userId: "shared", status: "active" })).totalCount,
      5,
      "acme's sessions of the same user id live on",
    );
  });
});
