/**
 * Every route the app serves, read from the app itself (so a new route is fuzzed without
 * touching this file), joined with its OpenAPI operation; and the arbitrary of one hostile
 * request against one of them.
 */
import fc from "fast-check";
import type { App } from "../../src/http/app.js";
import type { Mode, Pools, Schema } from "./fields.js";
import { authorizationArb, bodyArb, contentTypeArb, otherHeadersArb, queryArb, type RouteSpec, segmentArb } from "./parts.js";
import { chance, percentEncode, shortText } from "./values.js";

interface OpenApiParameter {
  in: "path" | "query" | "header";
  name: string;
  schema: Schema;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: { "application/json"?: { schema: Schema } } };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** `(method, path)` pairs from Fastify's route tree (`printRoutes`), HEAD included. */
export function servedRoutes(app: App): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const tree = /^((?:[│ ] {3})*)(?:[├└]── )(.*)$/.exec(line);
    if (tree === null) continue;
    const depth = tree[1]!.length / 4;
    const node = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(tree[2]!)!;
    prefixes.length = depth;
    prefixes.push(node[1]!);
    const path = prefixes.join("");
    for (const method of node[2]?.split(", ") ?? []) out.push({ method, path });
  }
  return out;
}

/** The served routes with their documented query, path and body schemas (undocumented routes get none). */
export function routeSpecs(app: App, doc: OpenApiDocument): RouteSpec[] {
  return servedRoutes(app).map(({ method, path }) => {
    const operation = doc.paths[path.replace(/:(\w+)/g, "{$1}")]?.[method.toLowerCase()];
    const parameters = operation?.parameters ?? [];
    const of = (where: string) => Object.fromEntries(parameters.filter((p) => p.in === where).map((p) => [p.name, p.schema]));
    const params = of("path");
    for (const name of path.match(/:\w+/g) ?? []) params[name.slice(1)] ??= {};
    return { method, path, query: of("query"), params, body: operation?.requestBody?.content?.["application/json"]?.schema ?? null };
  });
}

/** A request as `inject` takes it, printed briefly when fast-check reports a counterexample. */
export interface FuzzRequest {
  route: string;
  /** The parts generated to be refused; none: a request meant to be accepted. */
  attacked: Part[];
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer | undefined;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "SEARCH"];
const clip = (text: string, n: number) => (text.length <= n ? text : `${text.slice(0, n)}…(${text.length} chars)`);

/** A brief, printable form of a request (payloads can be a megabyte). */
export function describeRequest(r: FuzzRequest): string {
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${clip(v, 80)}`)
    .join("; ");
  const payload =
    r.payload === undefined ? "(none)" : clip(Buffer.isBuffer(r.payload) ? `<bytes ${r.payload.toString("hex")}>` : JSON.stringify(r.payload), 300);
  return `${r.method} ${clip(r.url, 200)} [${headers}] body=${payload} (attacked: ${r.attacked.join(", ") || "nothing"})`;
}

/** The parts of a request the generator attacks independently. */
export type Part = "method" | "path" | "params" | "query" | "body" | "auth" | "contentType" | "headers";

const TRAVERSALS = [
  "static/../../package.json",
  "static/%2e%2e/%2e%2e/package.json",
  "..%2f..%2fpackage.json",
  "static/%00",
  "static/..%5c..%5cpackage.json",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
];

/**
 * One request against `spec`: each part is generated clean (meant to be accepted) or hostile,
 * and most requests attack only one or two parts, so that the hostile part reaches the code
 * behind authentication, routing and validation instead of being stopped by the first check.
 */
export function requestArb(spec: RouteSpec, pools: Pools): fc.Arbitrary<FuzzRequest> {
  const hasParams = Object.keys(spec.params).length > 0 || spec.path.endsWith("*");
  const hasQuery = Object.keys(spec.query).length > 0;
  const weighted: Part[] = [
    "method",
    "path",
    "auth",
    "auth",
    "contentType",
    "headers",
    "body",
    ...(spec.body === null ? [] : (["body", "body", "body"] as Part[])),
    ...(hasParams ? (["params", "params", "params"] as Part[]) : []),
    ...(hasQuery ? (["query", "query", "query"] as Part[]) : []),
  ];
  const parts = [...new Set(weighted)];
  const attacked = fc.oneof(
    { weight: 2, arbitrary: fc.constant([] as Part[]) },
    { weight: 5, arbitrary: fc.constantFrom(...weighted).map((p) => [p]) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...weighted), fc.constantFrom(...weighted)).map(([a, b]) => [...new Set([a, b])]) },
    { weight: 1, arbitrary: fc.subarray(parts, { minLength: 1 }) },
  );

  const both = <T>(make: (mode: Mode) => fc.Arbitrary<T>) => ({ clean: make("clean"), hostile: make("hostile") });
  const segments = both((mode) =>
    fc.record(Object.fromEntries(Object.entries(spec.params).map(([name, schema]) => [name, segmentArb(name, schema, pools, spec.path, mode)]))),
  );
  const wildcard = both((mode) =>
    mode === "clean"
      ? fc.constantFrom("static/index.html", "static/swagger-initializer.js", "json", "yaml", "")
      : fc.oneof(fc.constantFrom(...TRAVERSALS), shortText.map(percentEncode)),
  );
  const bend = fc.constantFrom("slash", "double", "upper", "dot", "empty-query", "fragment");
  const method = both((mode) => (mode === "clean" ? fc.constant(spec.method) : fc.constantFrom(...METHODS.filter((m) => m !== spec.method))));
  const query = both((mode) => queryArb(spec, pools, mode));
  const body = both((mode) => bodyArb(spec, pools, mode));
  const auth = both((mode) => authorizationArb(pools, mode));
  const contentType = both(contentTypeArb);
  const others = both(otherHeadersArb);

  return attacked.chain((hostile) => {
    const pick = <T>(part: Part, arbs: { clean: fc.Arbitrary<T>; hostile: fc.Arbitrary<T> }) => (hostile.includes(part) ? arbs.hostile : arbs.clean);
    return fc
      .record({
        method: pick("method", method),
        segments: pick("params", segments),
        tail: pick("params", wildcard),
        bend,
        query: pick("query", query),
        body: pick("body", body),
        authorization: pick("auth", auth),
        contentType: pick("contentType", contentType),
        others: pick("headers", others),
        pair: chance(0.7),
      })
      .map((g): FuzzRequest => {
        // Clerk-style routes take the session id twice (path and token): a clean request usually names the same session in both.
        const tokenId = typeof g.body === "string" ? /"(?:refresh_)?token":"(sess_[0-9a-z]{30})\./.exec(g.body)?.[1] : undefined;
        const segment = (name: string) =>
          name === "id" && g.pair && tokenId !== undefined && !hostile.includes("params") ? tokenId : String(g.segments[name]);
        let path = spec.path.replace(/:(\w+)/g, (_m, name: string) => segment(name));
        if (path.endsWith("*")) path = path.slice(0, -1) + g.tail;
        let url = g.query === "" ? path : `${path}?${g.query}`;
        if (hostile.includes("path")) {
          if (g.bend === "slash") url = url.replace(/(\?|$)/, "/$1");
          if (g.bend === "double") url = url.replace("/", "//");
          if (g.bend === "upper") url = url.toUpperCase();
          if (g.bend === "dot") url = url.replace(/(\?|$)/, "/.$1");
          if (g.bend === "empty-query") url = `${url}?`;
          if (g.bend === "fragment") url = `${url}#x`;
        }
        const headers: Record<string, string> = { ...g.others };
        if (g.authorization !== null) headers.authorization = g.authorization;
        // A clean request labels its body as JSON; a hostile Content-Type comes with or without a body.
        if (g.contentType !== null && (g.body !== undefined || hostile.includes("contentType"))) headers["content-type"] = g.contentType;
        return { route: `${spec.method} ${spec.path}`, attacked: hostile, method: g.method, url, headers, payload: g.body };
      })
      .map((r) => Object.assign(r, { [fc.toStringMethod]: () => describeRequest(r) }));
  });
}
