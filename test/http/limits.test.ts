/** One table of limits (src/core/limits.ts) feeds the REST schemas and the library's checks: they agree. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isSessiondError } from "../../src/core/errors.js";
import { LIMITS } from "../../src/core/limits.js";
import { codeOf, type Harness, harness } from "./harness.js";

type Schema = {
  type?: string;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};
type Operation = { parameters?: { name: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } };

/** Wire fields whose name differs from their entry in the table. */
function tableKeyOf(path: string, field: string): string {
  if (field === "expires_in_seconds" || (path.startsWith("/v1/jwt_templates") && field === "lifetime_seconds")) return "jwt_lifetime_seconds";
  if (field === "request_originating_ip") return "ip";
  if (path === "/v1/events" && field === "limit") return "event_limit";
  if (path.startsWith("/v1/jwt_templates") && field === "name") return "template name"; // a pattern, not a length in the table
  return field;
}

/** The non-null alternative of a nullable schema. */
const present = (schema: Schema): Schema => schema.anyOf?.find((s) => s.type !== "null") ?? schema;

/** Every request field of the document: query and path parameters, body properties, and the client hints inside bodies. */
function requestFields(paths: Record<string, Record<string, Operation>>): { route: string; path: string; field: string; schema: Schema }[] {
  const fields: { route: string; path: string; field: string; schema: Schema }[] = [];
  for (const [path, operations] of Object.entries(paths))
    for (const [method, operation] of Object.entries(operations)) {
      const route = `${method.toUpperCase()} ${path}`;
      for (const p of operation.parameters ?? []) fields.push({ route, path, field: p.name, schema: p.schema });
      const body = operation.requestBody?.content["application/json"]?.schema;
      const walk = (properties: Record<string, Schema> | undefined) => {
        for (const [field, schema] of Object.entries(properties ?? {})) {
          fields.push({ route, path, field, schema: present(schema) });
          if (field === "client_hints") walk(present(schema).properties);
        }
      };
      if (body !== undefined) walk(present(body).properties);
    }
  return fields;
}

describe("the table of limits", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(() => h.close());

  it("is what /openapi.json states for every request field it bounds, and each of its entries reaches the wire", async () => {
    const doc = (await h.call("GET", "/openapi.json", { key: null })).json() as { paths: Record<string, Record<string, Operation>> };
    const seen = new Set<string>();
    for (const { route, path, field, schema } of requestFields(doc.paths)) {
      const key = tableKeyOf(path, field);
      const where = `${route} ${field}`;
      if (key in LIMITS.text) {
        assert.deepEqual([schema.minLength, schema.maxLength], [1, LIMITS.text[key as keyof typeof LIMITS.text]], where);
      } else if (key in LIMITS.lists) {
        const limit = LIMITS.lists[key as keyof typeof LIMITS.lists];
        assert.deepEqual([schema.maxItems, schema.items?.minLength, schema.items?.maxLength], [limit.maxItems, 1, limit.maxLength], where);
      } else if (key in LIMITS.strings) {
        assert.equal(schema.maxLength, LIMITS.strings[key as keyof typeof LIMITS.strings], where);
      } else if (key in LIMITS.integers) {
        const limit: { minimum: number; maximum: number; default?: number } = LIMITS.integers[key as keyof typeof LIMITS.integers];
        assert.deepEqual([schema.type, schema.minimum, schema.maximum, schema.default], ["integer", limit.minimum, limit.maximum, limit.default], where);
      } else continue;
      seen.add(key);
    }
    // The forwarded header names of Clerk's refresh are a record's keys, which OpenAPI 3.1 output leaves out.
    const onWire = [LIMITS.text, LIMITS.lists, LIMITS.strings, LIMITS.integers]
      .flatMap((group) => Object.keys(group))
      .filter((key) => !key.startsWith("request_header"));
    assert.deepEqual(
      onWire.filter((key) => !seen.has(key)),
      [],
      "table entries no request field uses",
    );
  });

  // At each bound, REST and the library give the same answer: the longest allowed value passes both, one more fails both.
  const createFields = [
    ...Object.entries({ user_id: "userId", username: "username", workspace_id: "workspaceId", aud: "aud", active_organization_id: "activeOrganizationId" }).map(
      ([wire, library]) => {
        const max = LIMITS.text[wire as keyof typeof LIMITS.text];
        return { wire, library, ok: "x".repeat(max), over: "x".repeat(max + 1) };
      },
    ),
    ...Object.entries(LIMITS.lists).flatMap(([wire, { maxItems, maxLength }]) => [
      { wire, library: wire, ok: Array.from({ length: maxItems }, () => "x".repeat(maxLength)), over: Array.from({ length: maxItems + 1 }, () => "x") },
      { wire, library: wire, ok: ["x"], over: ["x".repeat(maxLength + 1)] },
    ]),
  ];
  for (const { wire, library, ok, over } of createFields)
    it(`create ${wire}: REST and the library accept the longest allowed value and refuse one more`, async () => {
      const base = { user_id: "u1" };
      assert.equal((await h.call("POST", "/v1/sessions", { body: { ...base, [wire]: ok } })).statusCode, 200);
      const rest = await h.call("POST", "/v1/sessions", { body: { ...base, [wire]: over } });
      assert.deepEqual([rest.statusCode, codeOf(rest)], [400, "request_invalid"]);
      await h.sessions.create({ userId: "u1", [library]: ok });
      await assert.rejects(h.sessions.create({ userId: "u1", [library]: over }), (e) => isSessiondError(e, "request_invalid"));
    });
});
