/**
 * HTTPS attempts connect to the checked address yet name the host: SNI and the certificate check
 * use the endpoint's host name, not the address (needs the `openssl` command to make a certificate).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "./support.js";

describe("webhook attempts over HTTPS", () => {
  it("send SNI and check the certificate for the endpoint's host name while connecting to the resolved address", () => {
    const dir = tempDir();
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1"].concat([
        "-subj",
        "/CN=hooks.test",
        "-addext",
        "subjectAltName=DNS:hooks.test",
      ]),
      { stdio: "ignore" },
    );
    const child = new URL("./https-attempt.ts", import.meta.url).pathname;
    const run = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", child, key, cert, "hooks.test", "other.test"], { env: { ...process.env, ...env } }).toString(),
      );
    const trusted = run({ NODE_EXTRA_CA_CERTS: cert });
    assert.deepEqual(trusted.results, [
      { name: "hooks.test", ok: true, error: null },
      { name: "other.test", ok: false, error: "err_tls_cert_altname_invalid" },
    ]);
    assert.equal(trusted.seen.length, 1);
    assert.equal(trusted.seen[0].servername, "hooks.test");
    assert.match(trusted.seen[0].host, /^hooks\.test:\d+$/);
    const untrusted = run({ NODE_EXTRA_CA_CERTS: "" });
    assert.equal(untrusted.results[0].ok, false);
    assert.equal(untrusted.results[0].error, "depth_zero_self_signed_cert");
  });
});
