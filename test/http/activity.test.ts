/** Device, place and history over HTTP with the real enricher (SPEC §2 latest_activity, §5 activities and stats). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createEnricher } from "../../src/enrich/index.js";
import { harness, type Harness } from "./harness.js";

const WINDOWS_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1";

describe("activity and devices over HTTP", () => {
  let h: Harness;
  before(async () => (h = await harness({ activityResolutionMs: 60_000 }, {}, createEnricher({ geoIp: "bundled" }))));
  after(async () => h.close());

  it("fills latest_activity and location, records changes at once, and lists history newest first", async () => {
    const created = (
      await h.call("POST", "/v1/sessions", { body: { user_id: "ann", tenant_id: "geo", ip: "81.2.69.142", user_agent: WINDOWS_CHROME } })
    ).json();
    assert.deepEqual(created.latest_activity, {
      object: "session_activity",
      id: created.latest_activity.id,
      is_mobile: false,
      ip_address: "81.2.69.142",
      city: "London",
      country: "GB",
      browser_name: "Chrome",
      browser_version: "124.0.0.0",
      device_type: "desktop",
      os_name: "Windows",
    });
    assert.equal(created.location, "London, GB");

    h.clock.advance(1000);
    const same = await h.call("POST", "/v1/sessions/verify", { body: { token: created.token, ip: "81.2.69.142", user_agent: WINDOWS_CHROME } });
    assert.equal(same.json().latest_activity.id, created.latest_activity.id, "a burst from the same place writes nothing");

    const moved = (await h.call("POST", "/v1/sessions/verify", { body: { token: created.token, ip: "8.8.8.8", user_agent: IPHONE_SAFARI } })).json();
    assert.equal(moved.location, "Mountain View, US");
    assert.equal(moved.latest_activity.is_mobile, true);
    assert.equal(moved.ip, "81.2.69.142", "ip stays the creation address");

    const history = (await h.call("GET", `/v1/sessions/${created.id}/activities?tenant_id=geo`)).json();
    assert.equal(history.data.length, 2);
    assert.deepEqual(history.data[0].changed, ["ip", "country", "device", "browser"]);
    assert.equal(history.data[0].country, "US");
    assert.deepEqual(history.data[1].changed, []);
    assert.equal(history.next_cursor, null);
  });

  it("keeps only the last SESSIOND_ACTIVITY_HISTORY_LIMIT activities", async () => {
    const small = await harness({ activityHistoryLimit: 3 }, {}, createEnricher({ geoIp: "off" }));
    const { session, token } = await small.sessions.create({ userId: "u", ip: "203.0.113.1" });
    for (let i = 2; i <= 9; i++) await small.sessions.verify(token, { ip: `203.0.113.${i}` });
    const history = (await small.call("GET", `/v1/sessions/${session.id}/activities`)).json();
    assert.deepEqual(
      history.data.map((a: { ip_address: string }) => a.ip_address),
      ["203.0.113.9", "203.0.113.8", "203.0.113.7"],
    );
    await small.close();
  });

  it("counts active sessions by country, browser, device type and OS", async () => {
    await h.call("POST", "/v1/sessions", { body: { user_id: "bob", tenant_id: "stats", ip: "81.2.69.142", user_agent: WINDOWS_CHROME } });
    await h.call("POST", "/v1/sessions", { body: { user_id: "cy", tenant_id: "stats", ip: "8.8.8.8", user_agent: IPHONE_SAFARI } });
    const stats = (await h.call("GET", "/v1/stats?tenant_id=stats")).json();
    assert.deepEqual(
      [stats.active_sessions, stats.distinct_users, stats.by_country, stats.by_browser, stats.by_device_type, stats.by_os],
      [2, 2, { GB: 1, US: 1 }, { Chrome: 1, "Mobile Safari": 1 }, { desktop: 1, mobile: 1 }, { Windows: 1, iOS: 1 }],
    );
  });
});
