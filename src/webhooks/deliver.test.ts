import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type DeliveryRequest, deliver } from "./deliver.js";

describe("one delivery attempt", () => {
  let port = 0;
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    if (req.url === "/moved") res.writeHead(302, { location: "/hooks" }).end();
    else res.writeHead(204).end();
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const attempt = (url: string, more: Partial<DeliveryRequest> = {}) =>
    deliver({ url, headers: { "content-type": "application/json" }, body: "{}", timeoutMs: 2_000, allowPrivate: true, ...more });

  it("connects to the very address it checked: a name resolved once, the connection pinned to it (no second lookup to rebind)", async () => {
    const resolved: string[] = [];
    const resolve = async (host: string) => {
      resolved.push(host);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const result = await attempt(`http://hooks.invalid:${port}/hooks`, { resolve });
    assert.deepEqual([result.ok, result.status, result.error], [true, 204, null]);
    assert.deepEqual(resolved, ["hooks.invalid"]);
    assert.equal(seen.at(-1)?.headers.host, `hooks.invalid:${port}`);
  });

  it("refuses a name that resolves only to internal addresses, and skips an internal one for a public one", async () => {
    const before = seen.length;
    const internal = async () => [
      { address: "10.0.0.8", family: 4 },
      { address: "::ffff:127.0.0.1", family: 6 },
    ];
    const refused = await attempt(`http://hooks.invalid:${port}/hooks?token=s3cret`, { resolve: internal, allowPrivate: false });
    assert.deepEqual([refused.ok, refused.status, refused.error], [false, null, "address_not_allowed"]);
    assert.equal(seen.length, before);
    // 192.0.2.1 (TEST-NET-1) is public to the guard and unroutable here: the attempt goes there, not to 127.0.0.1.
    const mixed = async () => [
      { address: "127.0.0.1", family: 4 },
      { address: "192.0.2.1", family: 4 },
    ];
    const publicOnly = await attempt(`http://hooks.invalid:${port}/hooks`, { resolve: mixed, allowPrivate: false, timeoutMs: 300 });
    assert.equal(publicOnly.ok, false);
    assert.equal(seen.length, before);
  });

  it("counts a redirect as a failure and does not follow it", async () => {
    const before = seen.length;
    const result = await attempt(`http://127.0.0.1:${port}/moved`);
    assert.deepEqual([result.ok, result.status], [false, 302]);
    assert.equal(seen.length, before + 1);
  });

  it("answers failures with a short code that never holds the URL", async () => {
    const cases: [string, string][] = [
      [`ftp://127.0.0.1:${port}/x?token=s3cret`, "unsupported_scheme"],
      [`http://127.0.0.1:1/hooks?token=s3cret`, "econnrefused"],
      ["not a url ?token=s3cret", "invalid_url"],
    ];
    for (const [url, code] of cases) {
      const result = await attempt(url);
      assert.equal(result.error, code, url);
      assert.equal(result.ok, false);
    }
    const unresolvable = await attempt("http://no-such-host.invalid/hooks?token=s3cret", {
      resolve: async () => Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND no-such-host.invalid"), { code: "ENOTFOUND" })),
    });
    assert.equal(unresolvable.error, "enotfound");
  });
});
