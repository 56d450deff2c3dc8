import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedSerializers } from "./shared-serializers.js";

type Route = Parameters<ReturnType<typeof sharedSerializers>>[0];
const route = (schema: object, url: string) => ({ schema, url, method: "GET", httpStatus: "200" }) as unknown as Route;
const body = { type: "object", properties: { code: { type: "string" } } };

test("equal response schemas share one compiled serializer; different ones do not", () => {
  const build = sharedSerializers({}, {});
  const first = build(route(body, "/a"));
  assert.equal(build(route(structuredClone(body), "/b")), first);
  const other = build(route({ type: "object", properties: { id: { type: "string" } } }, "/c"));
  assert.notEqual(other, first);
  assert.equal(first({ code: "x", secret: "dropped" }), '{"code":"x"}');
  assert.equal(other({ id: "y" }), '{"id":"y"}');
});
