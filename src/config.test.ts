import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, ConfigSchema, envName, flagName, loadConfig, publicUrl, secretFlagWarnings, settingsOf } from "./config.js";

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail("expected a ConfigError");
};

describe("configuration", () => {
  it("starts with no configuration at all on SQLite under ./data", () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.store, "sqlite:./data/sessiond.db");
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.port, 7420);
    assert.equal(publicUrl(config), "http://127.0.0.1:7420");
    assert.ok(Object.isFrozen(config));
    assert.equal(settingsOf(config).lifetimeMs, 7 * 86_400_000);
    assert.equal(settingsOf(config).inactivityTimeoutMs, null);
  });

  it("reads SESSIOND_* variables and lets flags win", () => {
    const config = loadConfig({
      env: { SESSIOND_PORT: "8000", SESSIOND_SLIDING_EXPIRATION: "true", SESSIOND_INACTIVITY_TIMEOUT_SECONDS: "900" },
      flags: { port: "9000" },
    });
    assert.equal(config.port, 9000);
    assert.equal(config.slidingExpiration, true);
    assert.equal(settingsOf(config).inactivityTimeoutMs, 900_000);
  });

  it("names every bad variable or flag, and hides secret values", () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { SESSIOND_PORT: "abc", SESSIOND_ROOT_KEY: "short-secret", SESSIOND_LOG_LEVEL: "loud", SESSIOND_NOPE: "1" },
        flags: { lifetimeSeconds: "-5" },
      }),
    );
    const text = problems.join("\n");
    for (const name of ["SESSIOND_PORT", "SESSIOND_ROOT_KEY", "SESSIOND_LOG_LEVEL", "SESSIOND_NOPE", "--lifetime-seconds"])
      assert.match(text, new RegExp(name));
    assert.ok(!text.includes("short-secret"));
  });

  it("refuses an unsupported store URL and lists the allowed log levels", () => {
    const text = problemsOf(() => loadConfig({ env: { SESSIOND_STORE: "bogus", SESSIOND_LOG_LEVEL: "loud" } })).join("\n");
    assert.match(text, /SESSIOND_STORE: must be sqlite:<path>, postgres/);
    assert.match(text, /SESSIOND_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
    for (const ok of ["sqlite:/tmp/x.db", "memory:", "postgres://u@h/db", "redis://h:1", "redis-cluster://a:1,b:2"])
      assert.equal(loadConfig({ env: { SESSIOND_STORE: ok } }).store, ok);
  });

  describe("secrets from files", () => {
    const dir = mkdtempSync(join(tmpdir(), "sessiond-config-"));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    };
    const ROOT = "root-key-from-a-file-0123456789abcdef";
    const KEK = "key-encryption-key-from-a-file-0123456789";

    it("reads the root key and the key-encryption key from the files named by variable or flag, dropping one trailing newline", () => {
      const fromEnv = loadConfig({ env: { SESSIOND_ROOT_KEY_FILE: file("root", `${ROOT}\n`), SESSIOND_KEY_ENCRYPTION_KEY_FILE: file("kek", `${KEK}\r\n`) } });
      assert.equal(fromEnv.rootKey, ROOT);
      assert.equal(fromEnv.keyEncryptionKey, KEK);
      const fromFlags = loadConfig({ flags: { rootKeyFile: file("root-flag", ROOT), keyEncryptionKeyFile: file("kek-flag", `${KEK} \n\n`) } });
      assert.equal(fromFlags.rootKey, ROOT, "no newline: taken as it is");
      assert.equal(fromFlags.keyEncryptionKey, `${KEK} \n`, "only one line ending is dropped; everything else is part of the secret");
    });

    it("refuses a secret given both as a value and as a file, from any source", () => {
      const path = file("both", ROOT);
      for (const sources of [
        { env: { SESSIOND_ROOT_KEY: ROOT, SESSIOND_ROOT_KEY_FILE: path } },
        { env: { SESSIOND_ROOT_KEY: ROOT }, flags: { rootKeyFile: path } },
        { flags: { keyEncryptionKey: KEK, keyEncryptionKeyFile: path } },
      ]) {
        const text = problemsOf(() => loadConfig(sources)).join("\n");
        assert.match(text, /(SESSIOND_ROOT_KEY_FILE|--root-key-file|--key-encryption-key-file): give the secret either as/);
        assert.ok(!text.includes(ROOT) && !text.includes(KEK), "the secret is never shown");
      }
    });

    it("names the setting and the path of a missing file or a file holding too short a secret, never its content", () => {
      const missing = problemsOf(() => loadConfig({ env: { SESSIOND_ROOT_KEY_FILE: join(dir, "nope") } })).join("\n");
      assert.match(missing, /SESSIOND_ROOT_KEY_FILE: cannot read .*nope \(ENOENT\)/);
      const short = problemsOf(() => loadConfig({ flags: { keyEncryptionKeyFile: file("short", "tiny-secret\n") } })).join("\n");
      assert.match(short, /--key-encryption-key-file \(.*short\)/);
      assert.ok(!short.includes("tiny-secret"));
    });

    it("warns about secrets passed as values on the command line, and only about those", () => {
      assert.deepEqual(secretFlagWarnings({ rootKeyFile: "/run/secrets/root", port: "80" }), []);
      const warnings = secretFlagWarnings({ rootKey: ROOT, keyEncryptionKey: KEK });
      assert.equal(warnings.length, 2);
      assert.match(warnings.join("\n"), /--root-key .*SESSIOND_ROOT_KEY_FILE/);
      assert.match(warnings.join("\n"), /--key-encryption-key .*SESSIOND_KEY_ENCRYPTION_KEY_FILE/);
      assert.ok(!warnings.join().includes(ROOT));
    });
  });

  it("refuses a default lifetime above the max lifetime", () => {
    assert.match(
      problemsOf(() => loadConfig({ env: { SESSIOND_LIFETIME_SECONDS: "100", SESSIOND_MAX_LIFETIME_SECONDS: "50" } })).join(),
      /SESSIOND_LIFETIME_SECONDS/,
    );
  });

  it("documents every setting in docs/configuration.md with its variable and flag", () => {
    const configuration = readFileSync(new URL("../docs/configuration.md", import.meta.url), "utf8");
    for (const key of Object.keys(ConfigSchema.properties)) {
      assert.ok(configuration.includes(`\`${envName(key)}\``), envName(key));
      assert.ok(configuration.includes(`\`${flagName(key)}\``), flagName(key));
    }
  });
});
