/** A body must be JSON (415 `unsupported_media_type` otherwise); a request without a body needs no Content-Type at all (SPEC §4, §5). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { codeOf, harness, type Harness } from "./harness.js";

const ID = "sess_0000000000000000000000000000zz";
const bodyRoutes: [string, string][] = [
  ["POST", "/v1/sessions"],
  ["POST", "/v1/sessions/verify"],
  ["POST", "/v1/sessions/refresh"],
  ["PATCH", `/v1/sessions/${ID}`],
  ["POST", `/v1/sessions/${ID}/revoke`],
  ["POST", "/v1/users/ann/sessions/revoke"],
  ["POST", "/v1/keys"],
  ["PUT", "/v1/tenants/acme/policy"],
  ["POST", `/v1/sessions/${ID}/tokens`],
  ["POST", `/v1/sessions/${ID}/refresh`],
  ["POST", "/v1/jwt_templates"],
];
const notJson: [string, Record<string, string>, string][] = [
  ["a form", { "content-type": "application/x-www-form-urlencoded" }, "user_id=a&token=t"],
  ["text", { "content-type": "text/plain" }, '{"user_id":"a"}'],
  ["multipart", { "content-type": "multipart/form-data; boundary=x" }, "--x\r\n\r\na\r\n--x--"],
  ["no Content-Type", {}, '{"user_id":"a"}'],
];

describe("media types", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  const send = (method: string, url: string, headers: Record<string, string>, payload?: string) =>
    h.app.inject({
      method: method as "POST",
      url,
      headers: { authorization: `Bearer ${h.keys.root}`, ...headers },
      ...(payload === undefined ? {} : { payload }),
    });

  for (const [method, url] of bodyRoutes) {
    for (const [label, headers, payload] of notJson) {
      it(`${method} ${url.replace(ID, ":id")} with ${label} answers 415 naming application/json`, async () => {
        const response = await send(method, url, headers, payload);
        assert.equal(response.statusCode, 415, response.body);
        assert.equal(codeOf(response), "unsupported_media_type");
        assert.ok(response.json().errors[0].message.includes("application/json"));
        assert.equal(response.headers["content-type"], "application/json");
      });
    }
  }

  for (const [label, headers] of [
    ["no Content-Type", {}],
    ["Content-Type text/plain", { "content-type": "text/plain" }],
    ["a form Content-Type", { "content-type": "application/x-www-form-urlencoded" }],
    ["Content-Length 0 and an odd type", { "content-type": "application/octet-stream", "content-length": "0" }],
    ["an empty chunked body", { "content-type": "text/plain", "transfer-encoding": "chunked" }],
  ] as [string, Record<string, string>][]) {
    it(`a POST without a body and ${label} is accepted`, async () => {
      const { session } = await h.sessions.create({ userId: "ann" });
      const ended = await send("POST", `/v1/sessions/${session.id}/end`, headers, "");
      assert.equal(ended.statusCode, 200, ended.body);
      assert.equal(ended.json().status, "ended");
      const minted = await send("POST", `/v1/sessions/${(await h.sessions.create({ userId: "ann" })).session.id}/tokens`, headers);
      assert.equal(minted.statusCode, 200, minted.body);
    });
  }

  it("documents 415 beside 413 on every route of the OpenAPI document", async () => {
    const doc = (await h.call("GET", "/openapi.json", { key: null })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    let routes = 0;
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(methods)) {
        if (operation.responses["413"] === undefined) continue;
        routes++;
        assert.ok(operation.responses["415"] !== undefined, `${method} ${path}`);
      }
    assert.ok(routes > 20);
  });
});
