/**
 * Property-based fuzzing of the whole REST API (issue 8): at least 10,000 malformed and
 * hostile requests per run, spread over every route the app serves, mixing real ids, tokens,
 * keys and cursors with junk. Every answer is below 500, JSON where it must be, a SPEC §4
 * error with a registry code and its registered status, and leaks no secret; the server
 * keeps serving. FUZZ_SEED replays a run (its seed is printed, pass or fail); FUZZ_RUNS sets
 * the number of generated cases for the default configuration (a fifth of it runs again
 * behind trusted proxies); a case is one request, or two or three sent at once.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../../src/core/errors.js";
import { createEnricher } from "../../src/enrich/index.js";
import { HTTP_STATUS } from "../../src/http/errors.js";
import { codeOf, harness, type Harness, ROOT_KEY } from "../http/harness.js";
import type { Pools } from "./fields.js";
import type { RouteSpec } from "./parts.js";
import { describeRequest, type FuzzRequest, type OpenApiDocument, requestArb, routeSpecs } from "./routes.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(process.env.FUZZ_SEED);
const REQUEST_TIMEOUT_MS = 20_000;
/** Pools keep their seeded entries and the newest of what the app handed out. */
const POOL_LIMIT = 64;
const seededLength = new Map<string[], number>();
/** The harness's key-encryption key: sealed signing keys must never surface either. */
const HARNESS_KEK = "harness-key-encryption-key-0123456789";

/** What the app has to show for a secret: the secret itself and its SHA-256 in every encoding a bug might print. */
function exposuresOf(secret: string): string[] {
  const digest = createHash("sha256").update(secret).digest();
  return [secret, digest.toString("hex"), digest.toString("base64"), digest.toString("base64url")];
}

const secretPart = (token: string) => token.slice(token.indexOf(".") + 1);

/** The secrets no response may reveal: the seeded ones, and the newest of those the app handed out since. */
class Secrets {
  private static readonly LEARNED_LIMIT = 200;
  private readonly learned: string[][] = [];
  constructor(private readonly seeded: string[]) {}

  learn(secret: string): void {
    this.learned.push(exposuresOf(secret));
    if (this.learned.length > Secrets.LEARNED_LIMIT) this.learned.shift();
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.seeded;
    for (const exposures of this.learned) yield* exposures;
  }
}

const clip = (text: string, n: number) => (text.length <= n ? text : `${text.slice(0, n)}…`);

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Real data the generated requests can aim at, and the secrets no response may reveal. */
async function seed(h: Harness): Promise<{ pools: Pools; secrets: Secrets }> {
  const s = h.sessions;
  const browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15";
  const made = [
    await s.create({
      userId: "ann",
      tenantId: "acme",
      username: "Ann",
      ip: "1.2.3.4",
      userAgent: browser,
      metadata: { plan: "pro" },
      scopes: ["read"],
      aud: "app",
    }),
    await s.create({ userId: "ann", tenantId: "acme", pending: true }),
    await s.create({ userId: "bob", tenantId: "acme", bindUserAgent: true, userAgent: browser }),
    await s.create({ userId: "carl", tenantId: "acme" }),
    await s.create({ userId: "dora", tenantId: "acme" }),
    await s.create({ userId: "erin", tenantId: "acme", sessionType: "temporary" }),
    await s.create({ userId: "gil", tenantId: "globex" }),
    await s.create({ userId: "dan" }),
    await s.create({ userId: "fay", tenantId: "acme" }),
  ];
  const [ann, , , carl, dora, , gil, , fay] = made as [(typeof made)[number], ...(typeof made)[number][]];
  for (const ip of ["5.6.7.8", "9.9.9.9", "1.2.3.4"]) await s.verify(ann!.token, { ip, userAgent: browser });
  await s.revoke(carl!.session.id, { tenantId: "acme" });
  await s.end(dora!.session.id, { tenantId: "acme" });
  await s.delete(fay!.session.id, { tenantId: "acme" });
  const { token: refreshed } = await s.refresh(ann!.token);
  await s.templates.put("acme", "t", { claims: { a: 1 } });
  await s.templates.put("globex", "g", { claims: { b: 2 }, sessionFields: ["username"] });
  const jwts = [(await s.mintJwt(ann!.session.id, { tenantId: "acme" })).jwt, (await s.mintJwt(gil!.session.id, { template: "g" })).jwt];

  const revoked = await h.apiKeys.create("acme", "old");
  await h.apiKeys.revoke(revoked.id);
  const spare = await h.apiKeys.create("globex", "spare");

  const cursors = [
    (await s.list({ tenantId: "acme", limit: 1 })).nextCursor,
    (await s.users({ tenantId: "acme", limit: 1 })).nextCursor,
    (await s.activities(ann!.session.id, { limit: 1 })).nextCursor,
  ].filter((c): c is string => c !== null);
  assert.equal(cursors.length, 3, "every listing gives a cursor to fuzz with");

  const tokens = [...made.map((m) => m.token), refreshed];
  const keys = [h.keys.root, h.keys.acme, h.keys.globex, revoked.key, spare.key];
  const pools: Pools = {
    sessionIds: made.map((m) => m.session.id),
    tokens,
    jwts,
    apiKeys: [h.keys.root, h.keys.acme, h.keys.globex, revoked.key],
    apiKeyIds: [spare.id, revoked.id, "sdk_0000000000000000000000000z"],
    templateNames: ["t", "g", "nope", "T"],
    userIds: ["ann", "bob", "carl", "gil", "dan", "nobody"],
    tenantIds: ["acme", "globex", "default", "initech"],
    cursors,
  };
  const secrets = new Secrets([...tokens.map(secretPart), ...keys, ...keys.map(secretPart), ROOT_KEY, HARNESS_KEK].flatMap(exposuresOf));
  for (const pool of Object.values(pools)) seededLength.set(pool, pool.length);
  return { pools, secrets };
}

interface ErrorBody {
  errors: { code: ErrorCode; message: string; long_message: string; meta: unknown }[];
  trace_id: string;
  clerk_trace_id: string;
}

/** Every property one response must have; throws with the request and response on the first broken one. */
function checkResponse(request: FuzzRequest, response: LightMyRequestResponse, secrets: Secrets): void {
  const where = `\n  request: ${describeRequest(request)}\n  response: ${response.statusCode} ${JSON.stringify(response.headers)} ${clip(response.body, 400)}`;
  assert.ok(response.statusCode < 500, `a 5xx answer${where}`);
  const path = request.url.split(/[?#]/)[0]!;
  const bodyless = request.method === "HEAD";
  // Swagger UI serves HTML/JS/CSS and /metrics Prometheus text; everything else, errors included, is JSON exactly.
  const free = response.statusCode < 400 && (path === "/docs" || path.startsWith("/docs/") || path === "/metrics");
  if (!free) assert.equal(response.headers["content-type"], "application/json", `Content-Type is not exactly application/json${where}`);

  if (response.statusCode >= 400 && !bodyless) {
    let body: ErrorBody;
    try {
      body = JSON.parse(response.body) as ErrorBody;
    } catch {
      assert.fail(`an error body that is not JSON${where}`);
    }
    assert.deepEqual(Object.keys(body).sort(), ["clerk_trace_id", "errors", "trace_id"], `error body keys${where}`);
    assert.ok(Array.isArray(body.errors) && body.errors.length === 1, `one error${where}`);
    const error = body.errors[0]!;
    assert.deepEqual(Object.keys(error).sort(), ["code", "long_message", "message", "meta"], `error keys${where}`);
    assert.ok(ERROR_CODES.includes(error.code), `unregistered code ${error.code}${where}`);
    assert.equal(response.statusCode, HTTP_STATUS[error.code], `status is not the code's registered status${where}`);
    assert.ok(typeof error.message === "string" && error.message.length > 0 && typeof error.long_message === "string", `messages${where}`);
    assert.ok(typeof error.meta === "object" && error.meta !== null && !Array.isArray(error.meta), `meta is an object${where}`);
    assert.ok(typeof body.trace_id === "string" && body.trace_id.length > 0 && body.trace_id === body.clerk_trace_id, `trace ids${where}`);
  } else if (!free && !bodyless) {
    assert.doesNotThrow(() => JSON.parse(response.body), `a success body that is not JSON${where}`);
  }

  // A secret may come back only if the caller put it in the URL (an echoed path); never from a header, a body or the store.
  // Every secret and digest is a run of 32+ token characters, so only such runs of the answer are searched.
  const sent = `${request.url}\n${safeDecode(request.url)}`;
  const answer = `${JSON.stringify(response.headers)}\n${response.body}`;
  for (const [run] of answer.matchAll(/[A-Za-z0-9_.+/=-]{32,}/g))
    for (const secret of secrets) if (run.includes(secret) && !sent.includes(secret)) assert.fail(`the response reveals a secret${where}`);
}

/** Sessions, tokens, JWTs and cursors the app handed out join the pools (bounded); new secrets join the leak check. */
function learn(pools: Pools, secrets: Secrets, response: LightMyRequestResponse): void {
  if (response.statusCode !== 200 || response.headers["content-type"] !== "application/json" || response.body === "") return;
  const body = JSON.parse(response.body) as Record<string, unknown>;
  const add = (pool: string[], value: unknown) => {
    if (typeof value !== "string" || pool.includes(value)) return;
    pool.push(value);
    if (pool.length > POOL_LIMIT) pool.splice(seededLength.get(pool) ?? 0, 1);
  };
  if (typeof body.token === "string" && body.object === "session") {
    add(pools.tokens, body.token);
    add(pools.sessionIds, body.id);
    secrets.learn(secretPart(body.token));
  }
  if (body.object === "token") add(pools.jwts, body.jwt);
  if (body.object === "api_key" && typeof body.key === "string") {
    add(pools.apiKeyIds, body.id);
    secrets.learn(body.key);
    secrets.learn(secretPart(body.key));
  }
  add(pools.cursors, body.next_cursor);
}

async function send(h: Harness, request: FuzzRequest): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${describeRequest(request)}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    const { method, url, headers, payload } = request;
    return await Promise.race([h.app.inject({ method: method as "GET", url, headers, ...(payload === undefined ? {} : { payload }) }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const tally = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
const table = <K>(map: Map<K, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${String(k)}: ${n}`)
    .join(", ");

/** The app under the default configuration, and once more behind proxies with a key on /metrics (the other branches of the edge code). */
const CONFIGURATIONS: { name: string; env: Record<string, string>; runs: number }[] = [
  { name: "default configuration", env: {}, runs: RUNS },
  {
    name: "behind two trusted proxies, /metrics for the root key only",
    env: { SESSIOND_TRUST_PROXY: "2", SESSIOND_METRICS_REQUIRE_KEY: "true" },
    runs: Math.ceil(RUNS / 5),
  },
];

for (const configuration of CONFIGURATIONS) {
  describe(`REST API under fuzzing: ${configuration.name}`, () => {
    const runs = configuration.runs;
    let h: Harness;
    let pools: Pools;
    let secrets: Secrets;
    let specs: RouteSpec[];

    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    before(async () => {
      // The real enricher (geo-IP off): client hints and user agents then reach stats and activity, as in a deployment.
      h = await harness({}, configuration.env, createEnricher({ geoIp: "off" }));
      ({ pools, secrets } = await seed(h));
      const doc = (await h.call("GET", "/openapi.json")).json() as OpenApiDocument;
      specs = routeSpecs(h.app, doc).filter((r) => r.method !== "HEAD"); // HEAD is reached as a "wrong" method of every GET route
    });
    after(async () => h.close());

    it("enumerates every served route with its documented inputs", () => {
      const served = new Set(specs.map((r) => `${r.method} ${r.path}`));
      for (const must of [
        "POST /v1/sessions",
        "GET /v1/sessions/:id",
        "POST /v1/sessions/:id/tokens/:template",
        "DELETE /v1/keys/:id",
        "GET /healthz",
        "GET /docs/*",
        "GET /openapi.json",
      ])
        assert.ok(served.has(must), `${must} is enumerated`);
      assert.ok(
        specs.filter((r) => r.path.startsWith("/v1/")).every((r) => Object.values(r.params).every((schema) => schema.type === "string")),
        "path parameters carry their schemas",
      );
      assert.ok(
        specs.some((r) => r.body !== null) && specs.some((r) => Object.keys(r.query).length > 0),
        "bodies and query strings come from the OpenAPI document",
      );
    });

    it(`answers ${runs} generated requests below 500, in the §4 shape, without leaking a secret`, { timeout: 600_000 }, async (t) => {
      const statuses = new Map<number, number>();
      const codes = new Map<string, number>();
      const perRoute = new Map<string, number>();
      const successPerRoute = new Map<string, number>();
      let cases = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      // The API's routes carry nearly all the input surface; docs, metrics and health get a smaller share.
      const anyRequest = fc.oneof(...specs.map((spec) => ({ weight: spec.path.startsWith("/v1/") ? 4 : 1, arbitrary: requestArb(spec, pools) })));
      // Now and then two or three at once: racing verifies, refreshes and revocations of the newest sessions must not crash either.
      const batch = fc.oneof(
        { weight: 5, arbitrary: anyRequest.map((r) => [r]) },
        { weight: 1, arbitrary: fc.array(anyRequest, { minLength: 2, maxLength: 3 }) },
      );
      // Time passes now and then, so that sessions, pending sessions, grace periods and the API-key cache expire under the fuzzer too.
      const elapse = fc.oneof(
        { weight: 160, arbitrary: fc.constant(0) },
        { weight: 20, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
        { weight: 10, arbitrary: fc.integer({ min: 60_000, max: 7_200_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 86_400_000, max: 40 * 86_400_000 }) },
      );
      const property = fc.asyncProperty(batch, elapse, async (requests, elapsedMs) => {
        h.clock.advance(elapsedMs);
        const responses = await Promise.all(requests.map((r) => send(h, r)));
        requests.forEach((request, i) => {
          const response = responses[i]!;
          cases++;
          tally(statuses, response.statusCode);
          tally(perRoute, request.route);
          if (response.statusCode < 300) tally(successPerRoute, request.route);
          if (response.statusCode >= 400 && request.method !== "HEAD") tally(codes, codeOf(response) ?? "?");
          checkResponse(request, response, secrets);
          learn(pools, secrets, response);
        });
      });
      try {
        await fc.assert(property, { numRuns: runs, seed: SEED, includeErrorInReport: true });
      } finally {
        const seconds = (performance.now() - started) / 1000;
        const { user, system } = process.cpuUsage(cpu);
        t.diagnostic(`seed ${SEED} (rerun with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);
        t.diagnostic(`${cases} requests in ${seconds.toFixed(1)} s (${((user + system) / 1e6).toFixed(1)} s CPU) over ${specs.length} routes`);
        t.diagnostic(`statuses: ${table(statuses)}`);
        t.diagnostic(`error codes: ${table(codes)}`);
        t.diagnostic(`2xx per route: ${specs.map((r) => `${r.method} ${r.path}=${successPerRoute.get(`${r.method} ${r.path}`) ?? 0}`).join(", ")}`);
      }
      assert.ok(cases >= runs, `${cases} requests sent`);
      if (runs < 1000) return; // a short debugging run (FUZZ_RUNS) is too small to judge the spread
      // "No 5xx" proves little unless the requests spread over the routes and get past authentication and validation.
      const minimum = Math.floor(runs / (specs.length * 4) / 4);
      for (const r of specs) assert.ok((perRoute.get(`${r.method} ${r.path}`) ?? 0) >= minimum, `${r.method} ${r.path} got at least ${minimum} requests`);
      const successes = [...successPerRoute.values()].reduce((sum, n) => sum + n, 0);
      assert.ok(successes >= cases * 0.1, `only ${successes} of ${cases} requests succeeded: the generator is mostly producing noise`);
    });

    it("still serves afterwards: health, readiness, a normal create and verify, and no polluted prototype", async () => {
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
      assert.equal((await h.call("GET", "/healthz")).statusCode, 200);
      assert.equal((await h.call("GET", "/readyz")).statusCode, 200);
      const created = await h.call("POST", "/v1/sessions", { key: h.keys.acme, body: { user_id: "after-fuzz" } });
      assert.equal(created.statusCode, 200, created.body);
      const verified = await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token: created.json().token } });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().user_id, "after-fuzz");
    });
  });
}
