/**
 * Values for the fields of a route's own schemas (as /openapi.json describes them), each
 * clean (meant to be accepted: real ids, tokens and tenants, or schema-valid values) or
 * hostile (valid but extreme, just out of bounds, of the wrong type, a bent real value);
 * and objects built from them with one or two faults.
 */
import fc from "fast-check";
import {
  chance,
  cursorArb,
  Entries,
  forgedJwtArb,
  hostileKey,
  hostileNumber,
  hostileValue,
  live,
  nearly,
  NOT_CROCKFORD,
  RawJson,
  shortText,
} from "./values.js";

/** A JSON Schema fragment as /openapi.json serves it. */
export interface Schema {
  type?: string;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
}

/**
 * Real values in the app, so that generated requests hit real things. The arrays are live:
 * the fuzz test adds what the app hands out (new sessions, tokens, JWTs, cursors) while it runs,
 * so that a request late in a run still finds sessions the earlier ones did not end.
 */
export interface Pools {
  sessionIds: string[];
  tokens: string[];
  jwts: string[];
  /** `Authorization`-ready secrets: root, tenant keys, a revoked key. */
  apiKeys: string[];
  /** Ids the fuzzer may DELETE (a spare and a revoked key; never the keys it authenticates with). */
  apiKeyIds: string[];
  templateNames: string[];
  userIds: string[];
  tenantIds: string[];
  cursors: string[];
}

/** Whether a part of a request is generated to be accepted, or to be attacked. */
export type Mode = "clean" | "hostile";

export const BROWSERS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
  "curl/8.4.0",
];

/** Real values for a field or parameter whose name means something (ids, tokens, tenants, …). */
export function realValues(name: string, pools: Pools, route: string): string[] | null {
  switch (name) {
    case "token":
    case "refresh_token":
      return pools.tokens;
    case "expired_token":
      return pools.jwts;
    case "id":
      return route.startsWith("/v1/keys") ? pools.apiKeyIds : pools.sessionIds;
    case "replaces_session_id":
    case "except_session_id":
      return pools.sessionIds;
    case "tenant_id":
      return pools.tenantIds;
    case "user_id":
      return pools.userIds;
    case "name":
    case "template":
      return pools.templateNames;
    case "cursor":
      return pools.cursors;
    case "ip":
    case "request_originating_ip":
      return ["1.2.3.4", "10.0.0.1", "::1", "2001:db8::1"];
    case "user_agent":
      return BROWSERS;
    default:
      return null;
  }
}

/** Whether a sensible value fits the field's schema (`lifetime_seconds` means 1 s–10 y on a session but 30–3600 s on a template). */
function fits(schema: Schema, value: unknown): boolean {
  if (schema.anyOf !== undefined) return schema.anyOf.some((s) => fits(s, value));
  if (value === null) return schema.type === "null";
  if (typeof value === "number")
    return (schema.type === "integer" || schema.type === "number") && value >= (schema.minimum ?? -Infinity) && value <= (schema.maximum ?? Infinity);
  if (typeof value === "string") return schema.type === "string" && (schema.enum === undefined || schema.enum.includes(value));
  return true;
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** Clean values for fields whose rules go beyond their schema (an actor only for impersonation, lifetimes below the tenant's maximum). */
const SENSIBLE: Record<string, unknown[]> = {
  aud: ["app", null],
  session_type: ["regular_login", "temporary", "api_key", null],
  actor: [null],
  lifetime_seconds: [60, 3600, 86_400],
  inactivity_timeout_seconds: [300, 3600, null],
  max_age_minutes: [5, 60, null],
  max_lifetime_seconds: [86_400, 2_592_000],
  pending_timeout_seconds: [60, 600],
  max_sessions_per_user: [10, 100, null],
  expires_in_seconds: [30, 60, 600],
};

const EXCLUSIVELY_REAL = new Set([
  "token",
  "refresh_token",
  "expired_token",
  "tenant_id",
  "id",
  "replaces_session_id",
  "except_session_id",
  "cursor",
  "ip",
  "request_originating_ip",
]);

/**
 * A value for field `name`. Clean: real or schema-valid. Hostile: valid but extreme (where
 * bugs behind the validator live), just out of bounds, of the wrong type, a bent real value.
 */
export function fieldValue(schema: Schema, name: string, pools: Pools, route: string, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
  const real = realValues(name, pools, route);
  if (mode === "clean") {
    const sensible = (SENSIBLE[name] ?? []).filter((v) => fits(schema, v));
    if (sensible.length > 0) return fc.constantFrom(...sensible);
    const valid = validValue(schema, name, pools, route, depth);
    if (real === null) return valid;
    // Tokens, ids and tenants only mean something when real; names and users may as well be new.
    return EXCLUSIVELY_REAL.has(name) ? live(real) : fc.oneof({ weight: 4, arbitrary: live(real) }, { weight: 1, arbitrary: valid });
  }
  return fc.oneof(
    { weight: 4, arbitrary: edgeValue(schema, name, pools, route, depth) },
    { weight: 2, arbitrary: beyondValue(schema, name, pools, route, depth) },
    { weight: 2, arbitrary: hostileValue },
    ...(real === null ? [] : [{ weight: 2, arbitrary: nearly(real) }]),
    ...(name === "cursor" ? [{ weight: 2, arbitrary: cursorArb(pools.cursors) }] : []),
    ...(name === "expired_token" ? [{ weight: 2, arbitrary: forgedJwtArb(pools.jwts) }] : []),
  );
}

/** A value the schema accepts (the service may still refuse it: an unknown id, a bad IP). */
function validValue(schema: Schema, name: string, pools: Pools, route: string, depth: number): fc.Arbitrary<unknown> {
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map((s) => validValue(s, name, pools, route, depth)));
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case "string": {
      if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: Math.max(1, schema.minLength ?? 0), maxLength: Math.min(schema.maxLength ?? 32, 32) });
    }
    case "integer":
      return fc.integer({ min: clamp(schema.minimum ?? 0, -(2 ** 31), 2 ** 31), max: clamp(schema.maximum ?? 1000, -(2 ** 31), 2 ** 31) });
    case "number":
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const item = schema.items === undefined ? fc.string({ minLength: 1, maxLength: 8 }) : validValue(schema.items, name, pools, route, depth + 1);
      return fc.array(item, { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    }
    case "object": {
      if (hasProperties(schema, depth)) return objectFor(schema, pools, route, "clean", depth + 1);
      const values = valuesOf(schema);
      if (values !== undefined)
        return fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,15}$/), validValue(values, name, pools, route, depth + 1), { maxKeys: 3 });
      // Free-form objects (metadata, claims, actor): a few plain entries.
      return fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,9}$/), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()), { maxKeys: 3 });
    }
    default:
      return fc.string({ maxLength: 8 });
  }
}

const hasProperties = (schema: Schema, depth: number) => schema.properties !== undefined && Object.keys(schema.properties).length > 0 && depth < 3;
const valuesOf = (schema: Schema) =>
  typeof schema.additionalProperties === "object" ? schema.additionalProperties : Object.values(schema.patternProperties ?? {})[0];

/** Characters a schema without a pattern lets through, each one a classic source of trouble downstream. */
const EDGE_CHARS = ["a", "\u0000", "é", "🙂", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "\n", "\\", '"', "%", "'", "<", "\u0085", "\u2028"];

/** Free-form JSON that the schema accepts but that is hard to live with: deep, wide, odd keys, odd numbers. */
const edgeObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 2, max: 600 }).map((n) => new RawJson(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`)),
  fc.integer({ min: 1, max: 2000 }).map((n) => new Entries(Array.from({ length: n }, (_, i): [string, unknown] => [`k${i}`, i]))),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => ({ blob: "x".repeat(n) })),
  fc
    .array(
      fc.tuple(
        fc.oneof(shortText, fc.constantFrom("iss", "sub", "exp", "toString", "hasOwnProperty", "")),
        fc.oneof(shortText, hostileNumber, fc.constant(null)),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((e) => new Entries(e)),
);

/** A value the schema accepts, at its extremes: longest, shortest, oddest characters, largest, fullest. */
function edgeValue(schema: Schema, name: string, pools: Pools, route: string, depth: number): fc.Arbitrary<unknown> {
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf.filter((s) => s.type !== "null");
    return branches.length === 0 ? fc.constant(null) : fc.oneof(...branches.map((s) => edgeValue(s, name, pools, route, depth)));
  }
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case "string": {
      if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 100_000, 100_000);
      const length = fc.oneof(fc.constantFrom(min, Math.max(min, 1), max, Math.max(min, max - 1)), fc.integer({ min, max }));
      // A code point as long as the maximum allows: two UTF-16 units for 🙂, so half as many.
      return fc.tuple(fc.constantFrom(...EDGE_CHARS), length).map(([c, n]) => c.repeat(Math.floor(n / c.length)));
    }
    case "integer":
    case "number": {
      const min = schema.minimum ?? -(2 ** 53 - 1);
      const max = schema.maximum ?? 2 ** 53 - 1;
      return fc.oneof(
        fc.constantFrom<unknown>(min, max, min + 1, max - 1, new RawJson(`${max}.0`), new RawJson(`${min}e0`), new RawJson(`${max}E0`)),
        fc.integer({ min: clamp(min, -(2 ** 31), 2 ** 31), max: clamp(max, -(2 ** 31), 2 ** 31) }),
      );
    }
    case "boolean":
      return fc.boolean();
    case "array": {
      const item = schema.items === undefined ? fc.constant<unknown>("x") : edgeValue(schema.items, name, pools, route, depth + 1);
      const limit = Math.min(schema.maxItems ?? 1000, 1000);
      return fc.oneof(
        fc.constant([]),
        item.map((v) => Array(limit).fill(v)),
        fc.array(item, { minLength: 1, maxLength: Math.min(limit, 5) }),
      );
    }
    case "object": {
      if (hasProperties(schema, depth)) return objectFor(schema, pools, route, "hostile", depth + 1);
      const values = valuesOf(schema);
      if (values !== undefined)
        return fc
          .array(fc.tuple(fc.oneof(shortText, fc.constantFrom("user-agent", "User-Agent", "USER-AGENT")), edgeValue(values, name, pools, route, depth + 1)), {
            maxLength: 4,
          })
          .map((e) => new Entries(e));
      return edgeObject;
    }
    default:
      return hostileValue;
  }
}

/** A value of the right type just outside the schema: too long, too short, too large, a bad character, too many items. */
function beyondValue(schema: Schema, name: string, pools: Pools, route: string, depth: number): fc.Arbitrary<unknown> {
  if (schema.anyOf !== undefined)
    return fc.oneof(...schema.anyOf.filter((s) => s.type !== "null").map((s) => beyondValue(s, name, pools, route, depth)), fc.constant(undefined));
  if (schema.enum !== undefined)
    return fc.constantFrom(...schema.enum.flatMap((v) => (typeof v === "string" ? [v.toUpperCase(), ` ${v}`, `${v}\u0000`, ""] : [String(v)])));
  switch (schema.type) {
    case "string": {
      const max = schema.maxLength ?? 64;
      return fc.oneof(
        fc.constantFrom(Math.max(0, (schema.minLength ?? 0) - 1), max + 1, max * 2).map((n) => "a".repeat(n)),
        ...(schema.pattern === undefined
          ? []
          : [fc.tuple(fc.stringMatching(new RegExp(schema.pattern)), fc.constantFrom(...NOT_CROCKFORD)).map(([v, c]) => v + c)]),
      );
    }
    case "integer":
    case "number": {
      const min = schema.minimum ?? -(2 ** 53);
      const max = schema.maximum ?? 2 ** 53;
      return fc.constantFrom<unknown>(min - 1, max + 1, min + 0.5, new RawJson("1e308"), new RawJson("-1e308"), String(min), new RawJson("-0"));
    }
    case "array": {
      const item = schema.items === undefined ? fc.constant<unknown>("x") : validValue(schema.items, name, pools, route, depth + 1);
      const limit = schema.maxItems ?? 8;
      return fc.oneof(
        item.map((v) => Array(limit + 1).fill(v)),
        fc.array(hostileValue, { minLength: 1, maxLength: 3 }),
      );
    }
    case "object": {
      if (hasProperties(schema, depth)) return objectFor(schema, pools, route, "hostile", depth + 1);
      return fc.array(fc.tuple(hostileKey, hostileValue), { minLength: 1, maxLength: 5 }).map((e) => new Entries(e));
    }
    default:
      return hostileValue;
  }
}

/** One fault put into an otherwise clean object. */
type Fault = { kind: "set"; name: string; value: unknown } | { kind: "drop"; name: string } | { kind: "add"; name: string; value: unknown };

/**
 * An object from a schema's own fields. Clean: required fields and about two optional ones, all
 * valid. Hostile: the clean object with one or two faults (a field attacked, a required field
 * dropped, an unknown, polluting or repeated key), so that each fault meets the code behind the
 * first check instead of hiding behind another fault.
 */
export function objectFor(schema: Schema, pools: Pools, route: string, mode: Mode, depth = 0): fc.Arbitrary<Entries> {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  // About two optional fields per clean object: with more, some rule between them (actor without
  // impersonation, an override above the tenant's maximum) refuses nearly every one.
  const cleanShare = Math.min(0.5, 2 / Math.max(1, properties.length - required.size));
  const fields = properties.map(([name, s]) =>
    fc
      .tuple(chance(required.has(name) ? 1 : cleanShare), fieldValue(s, name, pools, route, "clean", depth))
      .map(([present, v]): [string, unknown] | null => (present ? [name, v] : null)),
  );
  const clean = fc.tuple(...fields).map((present) => present.filter((f): f is [string, unknown] => f !== null));
  if (mode === "clean") return clean.map((e) => new Entries(e));

  const faults: fc.WeightedArbitrary<Fault>[] = [
    ...properties.map(([name, s]) => ({
      weight: 6,
      arbitrary: fieldValue(s, name, pools, route, "hostile", depth).map((value): Fault => ({ kind: "set", name, value })),
    })),
    ...[...required].map((name) => ({ weight: 1, arbitrary: fc.constant<Fault>({ kind: "drop", name }) })),
    { weight: 2, arbitrary: fc.tuple(hostileKey, hostileValue).map(([name, value]): Fault => ({ kind: "add", name, value })) },
    ...properties.map(([name]) => ({ weight: 1, arbitrary: hostileValue.map((value): Fault => ({ kind: "add", name, value })) })),
  ];
  return fc.tuple(clean, fc.array(fc.oneof(...faults), { minLength: 1, maxLength: 2 })).map(([entries, list]) => {
    let out = entries;
    for (const fault of list) {
      if (fault.kind === "drop") out = out.filter(([k]) => k !== fault.name);
      else if (fault.kind === "add") out = [...out, [fault.name, fault.value]];
      else out = [...out.filter(([k]) => k !== fault.name), [fault.name, fault.value]];
    }
    // A fault of `undefined` means "left out".
    return new Entries(out.filter(([, v]) => v !== undefined));
  });
}
