import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { signatureHeaders } from "./signature.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({ object: "event", id: "evt_1", type: "session.revoked", data: { id: "sess_1", note: "ü ✓" } });

/** The svix package reads `svix-*` headers, standardwebhooks `webhook-*`: each gets only its own, so each set is proven. */
const own = (headers: Record<string, string>, prefix: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith(prefix)));

describe("webhook signatures", () => {
  it("verify with the standardwebhooks and svix packages, and fail with another secret or a changed body", () => {
    const secret = newSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders([secret], "evt_1", now, body);
    assert.deepEqual(new StandardWebhook(secret).verify(body, own(headers, "webhook-")), JSON.parse(body));
    assert.deepEqual(new SvixWebhook(secret).verify(body, own(headers, "svix-")), JSON.parse(body));
    assert.equal(headers["webhook-id"], "evt_1");
    assert.equal(headers["webhook-timestamp"], String(now));
    assert.match(headers["webhook-signature"]!, /^v1,[A-Za-z0-9+/]+=*$/);
    assert.throws(() => new StandardWebhook(newSecret()).verify(body, own(headers, "webhook-")));
    assert.throws(() => new SvixWebhook(secret).verify(`${body} `, own(headers, "svix-")));
  });

  it("sign with every secret during a rotation, so a receiver holding either verifies", () => {
    const [next, old] = [newSecret(), newSecret()];
    const headers = signatureHeaders([next, old], "evt_2", Math.floor(Date.now() / 1000), body);
    assert.equal(headers["webhook-signature"]!.split(" ").length, 2);
    for (const secret of [next, old]) {
      assert.doesNotThrow(() => new StandardWebhook(secret).verify(body, own(headers, "webhook-")));
      assert.doesNotThrow(() => new SvixWebhook(secret).verify(body, own(headers, "svix-")));
    }
  });

  it("is refused by both packages when the timestamp is older than their 5-minute tolerance (each attempt must be signed afresh)", () => {
    const secret = newSecret();
    const headers = signatureHeaders([secret], "evt_3", Math.floor(Date.now() / 1000) - 6 * 60, body);
    assert.throws(() => new StandardWebhook(secret).verify(body, own(headers, "webhook-")));
    assert.throws(() => new SvixWebhook(secret).verify(body, own(headers, "svix-")));
  });
});
