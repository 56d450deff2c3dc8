/** Webhook endpoints in the core: secrets, sealing, rotation, where an endpoint starts and replay. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HOUR, KEK, rejects, sessionEventAt, sessionIdsFrom, setup, stored } from "../../test/support/webhook-endpoints.js";
import { T0 } from "../../test/conformance/fixtures.js";
import { isSessiondError } from "./errors.js";
import { openWebhookSecret, SECRET_OVERLAP_MS } from "./webhooks.js";
import { ManualClock } from "./clock.js";
import { systemRandom } from "./session-token.js";
import { WebhookEndpoints } from "./webhooks.js";

describe("webhook endpoints", () => {
  it("create shows a Standard Webhooks secret once, seals it at rest, and get and list never show it", async () => {
    const { store, webhooks } = setup();
    const created = await webhooks.create({ url: "https://hooks.example/in", description: "billing" }, { tenantId: "acme" });
    assert.match(created.id, /^whe_[0-9a-z]{26}$/);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(created.secret.slice(6), "base64").length, 32);
    const { secret, ...shown } = created;
    assert.deepEqual(shown, {
      object: "webhook_endpoint",
      id: created.id,
      tenantId: "acme",
      url: "https://hooks.example/in",
      eventTypes: [],
      description: "billing",
      format: "standard_webhooks",
      audience: null,
      disabled: false,
      createdAt: T0,
    });
    assert.deepEqual(await webhooks.get(created.id), shown);
    assert.deepEqual(await webhooks.list({ tenantId: "acme" }), [shown]);
    const record = await stored(store, created.id);
    assert.equal(record.secrets.length, 1);
    assert.notEqual(record.secrets[0]!.secret, secret);
    assert.equal(JSON.stringify(record).includes(secret.slice(6)), false, "the clear secret is nowhere in the stored endpoint");
    assert.equal(openWebhookSecret(record.secrets[0]!.secret, KEK), secret);
  });

  it("a sealed secret opens only with the key that sealed it", async () => {
    const { store, webhooks } = setup();
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    const sealed = (await stored(store, id)).secrets[0]!.secret;
    assert.throws(
      () => openWebhookSecret(sealed, "another-key-encryption-key-0123456789"),
      (e: unknown) => isSessiondError(e, "signing_key_unavailable"),
    );
    assert.throws(
      () => openWebhookSecret(sealed, null),
      (e: unknown) => isSessiondError(e, "signing_key_unavailable"),
    );
    assert.throws(
      () => openWebhookSecret("v1.garbage", KEK),
      (e: unknown) => isSessiondError(e, "signing_key_unavailable"),
    );
  });

  it("without a key-encryption key, creating and rotating are refused like JWT minting, naming the setting; bad input is still a 400", async () => {
    const { store, webhooks } = setup({ kek: null });
    await assert.rejects(webhooks.create({ url: "https://hooks.example/in" }), (e: unknown) => {
      assert.ok(isSessiondError(e, "signing_key_unavailable"));
      assert.match(e.message, /SESSIOND_KEY_ENCRYPTION_KEY/);
      return true;
    });
    assert.deepEqual(await store.webhooks.list(undefined), []);
    await rejects(webhooks.create({ url: "ftp://hooks.example/in" }), "request_invalid", "url");
    const withKey = new WebhookEndpoints({ store, clock: new ManualClock(T0), random: systemRandom, keyEncryptionKey: KEK });
    const { id } = await withKey.create({ url: "https://hooks.example/in" });
    await rejects(webhooks.rotateSecret(id), "signing_key_unavailable");
  });

  it("a new endpoint starts after the events already committed", async () => {
    const { store, webhooks } = setup();
    await sessionEventAt(store, T0 - 2 * HOUR);
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    const later = await sessionEventAt(store, T0 + 1);
    assert.deepEqual(await sessionIdsFrom(store, (await stored(store, id)).dispatch.cursor), [later]);
  });

  it("replay moves the endpoint's cursor back to the events since that time", async () => {
    const { store, clock, webhooks } = setup();
    await sessionEventAt(store, T0 - 3 * HOUR);
    const recent = [await sessionEventAt(store, T0 - HOUR), await sessionEventAt(store, T0 - HOUR / 2)];
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    assert.deepEqual(await sessionIdsFrom(store, (await stored(store, id)).dispatch.cursor), []);
    const replayed = await webhooks.replay(id, T0 - 2 * HOUR);
    assert.equal(replayed.id, id);
    const record = await stored(store, id);
    assert.equal(record.dispatch.cursor, await store.outbox.positionAt(T0 - 2 * HOUR));
    assert.deepEqual(await sessionIdsFrom(store, record.dispatch.cursor), recent);
    await rejects(webhooks.replay(id, clock.now() + 1), "request_invalid", "since");
    await rejects(webhooks.replay(id, -1), "request_invalid", "since");
    await rejects(webhooks.replay(id, "yesterday" as unknown as number), "request_invalid", "since");
  });

  it("rotation puts the new secret first; the old one signs for 24 h and is dropped on the first write after", async () => {
    const { store, clock, webhooks } = setup();
    const created = await webhooks.create({ url: "https://hooks.example/in" });
    clock.advance(HOUR);
    const rotated = await webhooks.rotateSecret(created.id);
    assert.notEqual(rotated.secret, created.secret);
    assert.match(rotated.secret, /^whsec_/);
    let secrets = (await stored(store, created.id)).secrets;
    assert.deepEqual(
      secrets.map((s) => [openWebhookSecret(s.secret, KEK), s.expiresAt]),
      [
        [rotated.secret, null],
        [created.secret, T0 + HOUR + SECRET_OVERLAP_MS],
      ],
    );
    assert.equal(SECRET_OVERLAP_MS, 24 * HOUR);
    clock.advance(SECRET_OVERLAP_MS - 1);
    await webhooks.update(created.id, { description: "still overlapping" });
    assert.equal((await stored(store, created.id)).secrets.length, 2, "one ms before the end, the old secret still signs");
    clock.advance(1);
    await webhooks.update(created.id, { description: "after the overlap" });
    secrets = (await stored(store, created.id)).secrets;
    assert.deepEqual(
      secrets.map((s) => openWebhookSecret(s.secret, KEK)),
      [rotated.secret],
    );
    assert.equal("secret" in (await webhooks.get(created.id)), false);
  });

  it("a second rotation within the overlap keeps the first overlap's end", async () => {
    const { store, clock, webhooks } = setup();
    const first = await webhooks.create({ url: "https://hooks.example/in" });
    const second = await webhooks.rotateSecret(first.id);
    clock.advance(HOUR);
    const third = await webhooks.rotateSecret(first.id);
    const secrets = (await stored(store, first.id)).secrets;
    assert.deepEqual(
      secrets.map((s) => [openWebhookSecret(s.secret, KEK), s.expiresAt]),
      [
        [third.secret, null],
        [second.secret, T0 + HOUR + SECRET_OVERLAP_MS],
        [first.secret, T0 + SECRET_OVERLAP_MS],
      ],
    );
  });
});
