/** No cache keeps a /v1 answer (tokens, keys, users' data), errors included; the public JWKS is cacheable briefly. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JWKS_MAX_AGE_SECONDS } from "../../src/http/app.js";
import { PUBLISH_LEAD_MS } from "../../src/jwt/signing-keys.js";
import { harness, type Harness } from "./harness.js";

const ID = "sess_0000000000000000000000000000zz";

describe("Cache-Control", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  const noStore = (response: { headers: Record<string, unknown>; statusCode: number }, label: string) =>
    assert.equal(response.headers["cache-control"], "no-store", `${label} (${response.statusCode})`);

  it("is no-store on answers that carry a token, a key or a JWT", async () => {
    const created = await h.call("POST", "/v1/sessions", { body: { user_id: "u" } });
    noStore(created, "create");
    const { id, token } = created.json() as { id: string; token: string };
    noStore(await h.call("POST", "/v1/sessions/verify", { body: { token } }), "verify");
    const refreshed = await h.call("POST", "/v1/sessions/refresh", { body: { token } });
    noStore(refreshed, "refresh");
    noStore(await h.call("POST", `/v1/sessions/${id}/tokens`), "mint");
    noStore(await h.call("POST", `/v1/sessions/${id}/refresh`, { body: { refresh_token: refreshed.json().token } }), "Clerk refresh");
    noStore(await h.call("POST", "/v1/keys", { body: { tenant_id: "acme" } }), "key create");
    noStore(await h.call("GET", "/v1/keys"), "key list");
    noStore(await h.call("GET", "/v1/sessions"), "list");
  });

  it("is no-store on every /v1 route of the OpenAPI document, whatever it answers", async () => {
    const doc = (await h.call("GET", "/openapi.json", { key: null })).json() as { paths: Record<string, Record<string, unknown>> };
    let checked = 0;
    for (const [template, methods] of Object.entries(doc.paths)) {
      if (!template.startsWith("/v1/") || template === "/v1/jwks") continue;
      const url = template.replace(/\{id\}/g, ID).replace(/\{[a-z_]+\}/g, "acme");
      for (const method of Object.keys(methods)) {
        for (const key of [h.keys.root, null]) {
          noStore(
            await h.call(method.toUpperCase(), url, { key, ...(method === "get" || method === "delete" ? {} : { body: {} }) }),
            `${method} ${url} ${key === null ? "without" : "with"} a key`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked >= 40, `only ${checked} checked`);
  });

  it("is no-store on errors the router, the parser and the not-found handler answer", async () => {
    noStore(await h.call("GET", "/v1/sessions/%E0%A4%A"), "bad URL encoding");
    noStore(await h.call("GET", `/v1/sessions/${"x".repeat(5000)}`), "over-long param");
    noStore(await h.call("GET", "/v1/nope"), "unknown /v1 route");
    noStore(await h.call("POST", "/v1/sessions", { raw: "{" }), "invalid JSON");
    noStore(await h.call("POST", "/v1/sessions", { raw: JSON.stringify({ user_id: "a", metadata: { x: "y".repeat(1_100_000) } }) }), "oversize");
    noStore(await h.call("GET", "/v1/sessions", { key: "sdk_nope" }), "bad key");
  });

  it("lets verifiers cache the public JWKS, for less than the new-key publish lead", async () => {
    await h.sessions.mintJwt((await h.sessions.create({ userId: "u" })).session.id);
    for (const url of ["/v1/jwks", "/.well-known/jwks.json"]) {
      const response = await h.call("GET", url, { key: null });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers["cache-control"], `public, max-age=${JWKS_MAX_AGE_SECONDS}`, url);
    }
    // A key reaches every server within 1 s, a cache serves it at most max-age late, and jose's refetch cooldown is 30 s.
    assert.ok((1 + JWKS_MAX_AGE_SECONDS + 30) * 1000 < PUBLISH_LEAD_MS);
  });

  it("treats /v1/jwks asked with an Authorization header as an authenticated answer", async () => {
    noStore(await h.call("GET", "/v1/jwks"), "jwks with a key");
  });
});
