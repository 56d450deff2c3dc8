/** The dispatcher inside `sessiond serve`: its settings, its metrics on /metrics, and a clean stop. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { ConfigError, loadConfig, webhookRetryScheduleMs } from "../../src/config.js";
import { startServer } from "../../src/server/start.js";

describe("webhooks in sessiond serve", () => {
  it("reads the retry schedule (seconds, comma-separated) and the private-address switch, with SPEC §9's defaults", () => {
    const defaults = loadConfig({ env: {} });
    assert.deepEqual(
      webhookRetryScheduleMs(defaults),
      [5, 300, 1800, 7200, 18000, 36000, 36000].map((s) => s * 1000),
    );
    assert.equal(defaults.webhookAllowPrivate, false);
    const set = loadConfig({ env: { SESSIOND_WEBHOOK_RETRY_SCHEDULE: "1,2,30", SESSIOND_WEBHOOK_ALLOW_PRIVATE: "true" } });
    assert.deepEqual(webhookRetryScheduleMs(set), [1000, 2000, 30000]);
    assert.equal(set.webhookAllowPrivate, true);
    for (const bad of ["5,,300", "0", "-5", "5, 300", "1.5", "abc"]) {
      assert.throws(
        () => loadConfig({ env: { SESSIOND_WEBHOOK_RETRY_SCHEDULE: bad } }),
        (e) => e instanceof ConfigError && e.message.includes("SESSIOND_WEBHOOK_RETRY_SCHEDULE"),
        bad,
      );
    }
  });

  it("serves the dispatcher's metrics and stops it with the server", async () => {
    const config = loadConfig({ env: { SESSIOND_STORE: "memory:", SESSIOND_PORT: "0", SESSIOND_ROOT_KEY: "r".repeat(40), SESSIOND_GEOIP_DATABASE: "off" } });
    const server = await startServer(config, { logger: pino({ level: "silent" }) });
    try {
      const text = await (await fetch(`${server.address}/metrics`)).text();
      for (const name of [
        "sessiond_webhook_delivered_total",
        "sessiond_webhook_failed_total",
        "sessiond_webhook_retries_total",
        "sessiond_webhook_failed_attempts_total",
        "sessiond_webhook_queue_depth",
        "sessiond_webhook_oldest_undelivered_age_seconds",
      ])
        assert.match(text, new RegExp(`^${name} 0$`, "m"), name);
    } finally {
      await server.close();
    }
  });
});
