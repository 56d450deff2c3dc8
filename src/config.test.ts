import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigError, ConfigSchema, envName, flagName, loadConfig, publicUrl, settingsOf } from "./config.js";

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
    const config = loadConfig({ env: { SESSIOND_PORT: "8000", SESSIOND_SLIDING_EXPIRATION: "true", SESSIOND_INACTIVITY_TIMEOUT_SECONDS: "900" }, flags: { port: "9000" } });
    assert.equal(config.port, 9000);
    assert.equal(config.slidingExpiration, true);
    assert.equal(settingsOf(config).inactivityTimeoutMs, 900_000);
  });

  it("names every bad variable or flag, and hides secret values", () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { SESSIOND_PORT: "abc", SESSIOND_ROOT_KEY: "short-secret", SESSIOND_LOG_LEVEL: "loud", SESSIOND_NOPE: "1" }, flags: { lifetimeSeconds: "-5" } }),
    );
    const text = problems.join("\n");
    for (const name of ["SESSIOND_PORT", "SESSIOND_ROOT_KEY", "SESSIOND_LOG_LEVEL", "SESSIOND_NOPE", "--lifetime-seconds"]) assert.match(text, new RegExp(name));
    assert.ok(!text.includes("short-secret"));
  });

  it("refuses an unsupported store URL and lists the allowed log levels", () => {
    const text = problemsOf(() => loadConfig({ env: { SESSIOND_STORE: "bogus", SESSIOND_LOG_LEVEL: "loud" } })).join("\n");
    assert.match(text, /SESSIOND_STORE: must be sqlite:<path>, postgres/);
    assert.match(text, /SESSIOND_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
    for (const ok of ["sqlite:/tmp/x.db", "memory:", "postgres://u@h/db", "redis://h:1", "redis-cluster://a:1,b:2"]) assert.equal(loadConfig({ env: { SESSIOND_STORE: ok } }).store, ok);
  });

  it("refuses a default lifetime above the max lifetime", () => {
    assert.match(problemsOf(() => loadConfig({ env: { SESSIOND_LIFETIME_SECONDS: "100", SESSIOND_MAX_LIFETIME_SECONDS: "50" } })).join(), /SESSIOND_LIFETIME_SECONDS/);
  });

  it("documents every setting in the README with its variable and flag", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const key of Object.keys(ConfigSchema.properties)) {
      assert.ok(readme.includes(`\`${envName(key)}\``), envName(key));
      assert.ok(readme.includes(`\`${flagName(key)}\``), flagName(key));
    }
  });
});
