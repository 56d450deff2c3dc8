/**
 * The parts of one request against a route: body, path segments, query string and headers,
 * each clean or hostile.
 */
import fc from "fast-check";
import { BROWSERS, fieldValue, type Mode, objectFor, type Pools, realValues, type Schema } from "./fields.js";
import {
  chance,
  Entries,
  giantValue,
  headerSafe,
  hostileKey,
  INVALID_FRAGMENTS,
  live,
  longText,
  nearly,
  percentEncode,
  PROTO_KEYS,
  shortText,
  toJson,
} from "./values.js";

/** One route of the app, with what its OpenAPI operation says about its inputs. */
export interface RouteSpec {
  method: string;
  /** Fastify's form: `/v1/sessions/:id`, `/docs/*`. */
  path: string;
  query: Record<string, Schema>;
  params: Record<string, Schema>;
  body: Schema | null;
}

/** The object branch of a body schema (optional bodies are `anyOf: [object, null]`). */
function bodyObject(spec: RouteSpec): Schema {
  return spec.body?.anyOf?.find((s) => s.type === "object") ?? (spec.body?.type === "object" ? spec.body : { type: "object", properties: {} });
}

/**
 * Raw payloads. Clean: the schema's JSON (none, where the route takes none or it is optional).
 * Hostile: attacked fields, giant values planted in real fields, empty and non-object JSON,
 * truncated JSON, trailing garbage, invalid JSON numbers, pollution, non-UTF-8 bytes, over 1 MiB.
 */
export function bodyArb(spec: RouteSpec, pools: Pools, mode: Mode): fc.Arbitrary<string | Buffer | undefined> {
  const schema = bodyObject(spec);
  const optional = spec.body === null || spec.body.anyOf?.some((s) => s.type === "null") === true;
  if (mode === "clean") {
    if (spec.body === null) return fc.constant(undefined);
    const json = objectFor(schema, pools, spec.path, "clean").map(toJson);
    return optional ? fc.oneof({ weight: 3, arbitrary: json }, { weight: 1, arbitrary: fc.constantFrom(undefined, "", "null") }) : json;
  }
  const keys = [...Object.keys(schema.properties ?? {}), "x"];
  const object = objectFor(schema, pools, spec.path, "hostile");
  const json = object.map(toJson);
  const planted = fc
    .tuple(objectFor(schema, pools, spec.path, "clean"), fc.constantFrom(...keys, ...PROTO_KEYS, "metadata", "claims"), giantValue)
    .map(([o, key, value]) => toJson(new Entries([...o.entries, [key, value]])));
  return fc.oneof(
    { weight: 40, arbitrary: json },
    { weight: 12, arbitrary: planted },
    { weight: 8, arbitrary: fc.constantFrom(undefined, "", "   ", "null", "{}", "[]", "42", '"text"', "true", "\ufeff{}", "{}{}", "[{}]") },
    { weight: 8, arbitrary: fc.tuple(json, fc.nat()).map(([text, cut]) => text.slice(0, text.length === 0 ? 0 : cut % text.length)) },
    { weight: 4, arbitrary: fc.tuple(json, fc.constantFrom(" x", "}", ",", "\u0000", "\n{}")).map(([text, tail]) => text + tail) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...INVALID_FRAGMENTS), fc.constantFrom(...keys)).map(([fragment, key]) => `{"${key}":${fragment}}`) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"admin":true}}}',
        '{"a":{"b":{"__proto__":{"x":1}}}}',
        '[{"__proto__":null}]',
        '{"__proto__":null,"__proto__":{}}',
        '{"user_id":"a","user_id":{"__proto__":1}}',
      ),
    },
    { weight: 4, arbitrary: fc.string({ maxLength: 64, unit: "binary" }) },
    {
      weight: 4,
      arbitrary: fc
        .uint8Array({ maxLength: 64 })
        .map((bytes) => Buffer.concat([Buffer.from('{"user_id":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('"}')])),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1024 * 1024 - 16, max: 1024 * 1024 + 4096 }).map((n) => `{"metadata":{"x":"${"y".repeat(n)}"}}`) },
  );
}

const RAW_SEGMENTS = [
  "%",
  "%zz",
  "%E0%A4%A",
  "%00",
  "%2F",
  "%2e%2e",
  "..",
  ".",
  "",
  "a%2Fb",
  "%C0%AF",
  "%FF",
  "%u0041",
  "%25",
  "sess_%00",
  "sess_ÄÖÜ",
  "+",
  ";",
  ":",
  "@",
  "~",
  "a b",
  "%20",
];

/** A path segment for parameter `name`. Clean: a real value or a well-formed unknown one. Hostile: bent, encoded junk, raw junk, very long. */
export function segmentArb(name: string, schema: Schema, pools: Pools, route: string, mode: Mode): fc.Arbitrary<string> {
  const real = realValues(name, pools, route);
  const formatted = schema.pattern === undefined ? fc.stringMatching(/^[a-z0-9_]{1,12}$/) : fc.stringMatching(new RegExp(schema.pattern));
  if (mode === "clean")
    return real === null
      ? formatted.map(percentEncode)
      : fc.oneof({ weight: 5, arbitrary: live(real) }, { weight: 1, arbitrary: formatted }).map(percentEncode);
  return fc.oneof(
    { weight: 3, arbitrary: (real === null ? shortText : nearly(real)).map(percentEncode) },
    { weight: 3, arbitrary: shortText.map(percentEncode) },
    { weight: 1, arbitrary: fc.oneof(live(pools.tokens), live(pools.apiKeys)).map(percentEncode) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 5000 }).map((n) => "x".repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 1000 }).map((n) => "%F0%9F%99%82".repeat(n)) },
  );
}

/** A query string from the route's own parameters. Hostile: attacked values, repeats, unknown, polluting and malformed parts. */
export function queryArb(spec: RouteSpec, pools: Pools, mode: Mode): fc.Arbitrary<string> {
  // A cursor belongs to one listing and excludes `offset`: clean requests page from the start.
  const known = Object.entries(spec.query)
    .filter(([name]) => mode === "hostile" || name !== "cursor")
    .map(([name, schema]) => {
      const text = (v: unknown) => (typeof v === "string" ? v : toJson(v));
      const value =
        mode === "clean"
          ? fieldValue(schema, name, pools, spec.path, "clean").map(text)
          : fc.oneof(
              fieldValue(schema, name, pools, spec.path, "clean").map(text),
              fieldValue(schema, name, pools, spec.path, "hostile").map(text),
              fc.constantFrom("", "1e3", "-1", "0", "1.5", "true", "null", "[]", "999999999999999999999"),
            );
      const times = mode === "clean" ? fc.constant(1) : fc.constantFrom(1, 1, 1, 2, 3);
      return fc.tuple(chance(0.35), value, times).map(([present, v, n]) => (present ? Array<string>(n).fill(`${name}=${percentEncode(v)}`) : []));
    });
  const junk = fc.oneof(
    fc.constantFrom(
      "__proto__=x",
      "constructor=1",
      "__proto__[admin]=true",
      "constructor[prototype][admin]=1",
      "a[b]=c",
      "%zz=1",
      "=",
      "&&&",
      "x",
      "%00=%00",
      "limit[]=1",
      "tenant_id=a&tenant_id=b",
      "#frag",
      "?",
      "+=+",
    ),
    fc.tuple(hostileKey, shortText).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
    longText.map((v) => `cursor=${percentEncode(v.slice(0, 20_000))}`),
  );
  const extra =
    mode === "clean"
      ? fc.constant([] as string[])
      : fc.oneof({ weight: 1, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.array(junk, { minLength: 1, maxLength: 3 }) });
  return fc.tuple(fc.tuple(...known), extra).map(([parts, more]) => [...parts.flat(), ...more].join("&"));
}

/**
 * `Authorization`. Clean: the root key or a tenant key. Hostile: none, a revoked key, other
 * schemes, malformed, a session token, huge, non-ASCII. `null` leaves the header out.
 */
export function authorizationArb(pools: Pools, mode: Mode): fc.Arbitrary<string | null> {
  const [root, acme, globex, revoked] = pools.apiKeys as [string, string, string, string];
  if (mode === "clean")
    return fc.oneof({ weight: 3, arbitrary: fc.constant(root) }, { weight: 2, arbitrary: fc.constantFrom(acme, globex) }).map((k) => `Bearer ${k}`);
  const key = fc.constantFrom(...pools.apiKeys);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${revoked}`) },
    { weight: 1, arbitrary: key.map((k) => `bearer ${k}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("Basic", "Token", "Bearer:", "Bearer ", "Bearer\t", "", "Bearer=", "BEARER", "Bearerx"), key)
        .map(([scheme, k]) => `${scheme} ${k}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer null",
        "Bearer undefined",
        "Bearer sdk_",
        "Bearer sdk_0000000000000000000000000z.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      ),
    },
    { weight: 2, arbitrary: nearly(pools.apiKeys).map((k) => `Bearer ${headerSafe(k)}`) },
    { weight: 1, arbitrary: live(pools.tokens).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: fc.integer({ min: 190, max: 16_000 }).map((n) => `Bearer ${"k".repeat(n)}`) },
    { weight: 1, arbitrary: fc.tuple(key, shortText).map(([k, s]) => headerSafe(`Bearer ${k}${s}`)) },
    { weight: 1, arbitrary: shortText.map((s) => headerSafe(`Bearer ${s}`)) },
  );
}

/** `Content-Type`. Clean: JSON (with or without charset). Hostile: none, other types, odd parameters, junk. */
export function contentTypeArb(mode: Mode): fc.Arbitrary<string | null> {
  if (mode === "clean") return fc.constantFrom("application/json", "application/json", "application/json", "application/json; charset=utf-8");
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        "application/json; charset=UTF-8",
        "application/json; charset=latin1",
        "application/json; charset=utf-16",
        "APPLICATION/JSON",
        "application/json;",
        "application/json ; charset=utf-8",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json-patch+json",
        "application/vnd.api+json",
        "json",
        "*/*",
        "",
        ";",
        "application/",
        "/json",
        "application/json, text/plain",
        "application/octet-stream",
      ),
    },
    { weight: 1, arbitrary: shortText.map(headerSafe) },
  );
}

/** Other headers. Clean: a browser's user agent or nothing. Hostile: junk user agents, forwarded-for chains, encodings. */
export function otherHeadersArb(mode: Mode): fc.Arbitrary<Record<string, string>> {
  if (mode === "clean") return fc.record({ "user-agent": fc.constantFrom(...BROWSERS) }, { requiredKeys: [] });
  return fc.record(
    {
      "user-agent": fc
        .oneof(
          shortText,
          longText.map((t) => t.slice(0, 8000)),
        )
        .map(headerSafe),
      "x-forwarded-for": fc.oneof(fc.constantFrom("1.2.3.4", "::1", "1.2.3.4, 5.6.7.8", "999.1.1.1", "", ",,,", "::ffff:1.2.3.4"), shortText).map(headerSafe),
      accept: fc.constantFrom("*/*", "text/html", "application/xml", "application/json;q=0", ""),
      "accept-encoding": fc.constantFrom("gzip", "br", "identity;q=0", "*"),
      "content-encoding": fc.constantFrom("gzip", "br", "identity", "x-junk"),
      "sec-ch-ua-mobile": fc.constantFrom("?1", "?0", "junk"),
      range: fc.constantFrom("bytes=0-0", "bytes=5-1", "bytes=-0", "bytes=0-1,2-3,4-5", "items=0-1", "bytes=99999999999999999999-"),
      "if-none-match": fc.constantFrom("*", '"x"', 'W/""', ""),
      "if-modified-since": fc.constantFrom("Thu, 01 Jan 2099 00:00:00 GMT", "yesterday", ""),
    },
    { requiredKeys: [] },
  );
}
