import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { DeliveryFailure, type Destination } from "../../../src/delivery/destination.js";
import { createDestination } from "../../../src/delivery/destinations/create-destination.js";
import { parseDestinationConfig } from "../../../src/delivery/destinations/destination-config.js";
import { generateWebhookSecret } from "../../../src/delivery/destinations/webhook-signature.js";
import { noDeadline, twoHourBatch } from "../../support/delivery-batch.js";
import { TEST_OUTBOUND } from "../../support/outbound.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

/** Assert that `promise` rejects with a DeliveryFailure and return it. */
async function failure(promise: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryFailure, String(error));
    return error;
  }
  assert.fail("expected the delivery to fail");
}

describe("webhook destination", () => {
  const secret = generateWebhookSecret();
  let receiver: WebhookReceiver;
  let destination: Destination;

  before(async () => {
    receiver = await startWebhookReceiver(secret);
    const config = parseDestinationConfig(
      {
        type: "webhook",
        url: receiver.url,
        secret,
        timeoutMs: 500,
        headers: { Authorization: "Bearer r-token" },
      },
      "destinations.webhook",
    );
    destination = await createDestination(config, TEST_OUTBOUND);
  });
  after(async () => {
    await destination.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    receiver.mode = { kind: "accept" };
    receiver.deliveries.length = 0;
    await receiver.start();
  });

  it("POSTs {records:[…]} signed by Standard Webhooks, the batch id as webhook-id", async () => {
    const batch = twoHourBatch("hook:1-5");
    const before = Math.floor(Date.now() / 1000);
    await destination.deliver(batch, noDeadline());
    assert.equal(receiver.deliveries.length, 1);
    const [delivery] = receiver.deliveries;
    assert.ok(delivery);
    assert.equal(delivery.signatureValid, true);
    assert.equal(delivery.status, 204);
    assert.equal(delivery.id, "hook:1-5");
    assert.ok(delivery.timestamp >= before && delivery.timestamp <= before + 2);
    assert.equal(delivery.headers["content-type"], "application/json");
    assert.equal(delivery.headers.authorization, "Bearer r-token");
    assert.deepEqual(JSON.parse(delivery.body), { records: batch.records.map((r) => r.body) });
  });

  it("a re-sent batch carries the same webhook-id, so receivers can de-duplicate", async () => {
    const batch = twoHourBatch("hook:6-10");
    await destination.deliver(batch, noDeadline());
    await destination.deliver(batch, noDeadline());
    assert.deepEqual(
      receiver.deliveries.map((d) => [d.id, d.signatureValid]),
      [
        ["hook:6-10", true],
        ["hook:6-10", true],
      ],
    );
  });

  it("5xx, 401, 403, 404, 408 and 429 are retryable; other 4xx and 3xx are not; messages give the status line, never the body", async () => {
    const expectations: [number, boolean][] = [
      [500, true],
      [502, true],
      [503, true],
      [408, true],
      [429, true],
      [401, true],
      [403, true],
      [404, true],
      [400, false],
      [410, false],
      [422, false],
      [302, false],
    ];
    for (const [status, retryable] of expectations) {
      receiver.mode = { kind: "fail", status, body: `nope ${"x".repeat(500)}` };
      const error = await failure(destination.deliver(twoHourBatch(), noDeadline()));
      assert.equal(error.retryable, retryable, `HTTP ${status}`);
      assert.match(error.message, new RegExp(`^webhook answered HTTP ${status} [A-Za-z -]+$`));
      assert.ok(!error.message.includes("nope"), error.message);
    }
  });

  it("gives up after timeoutMs when the receiver hangs (retryable)", async () => {
    receiver.mode = { kind: "hang" };
    const started = Date.now();
    const error = await failure(destination.deliver(twoHourBatch(), noDeadline()));
    const elapsed = Date.now() - started;
    assert.equal(error.message, "webhook did not answer within 500 ms");
    assert.equal(error.retryable, true);
    assert.ok(elapsed >= 450 && elapsed < 3000, `took ${elapsed} ms`);
  });

  it("stops when the engine's signal fires", async () => {
    receiver.mode = { kind: "hang" };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("engine deadline")), 100);
    const started = Date.now();
    const error = await failure(destination.deliver(twoHourBatch(), controller.signal));
    assert.equal(error.message, "delivery aborted (engine deadline)");
    assert.ok(Date.now() - started < 450);
  });

  it("close() aborts a delivery in flight, and later deliveries fail", async () => {
    receiver.mode = { kind: "hang" };
    const config = parseDestinationConfig({ type: "webhook", url: receiver.url, secret }, "d");
    const closing = await createDestination(config, TEST_OUTBOUND);
    const pending = failure(closing.deliver(twoHourBatch(), noDeadline()));
    await receiver.waitFor(1);
    await closing.close();
    assert.equal((await pending).message, "delivery aborted (destination closed)");
    assert.equal(
      (await failure(closing.deliver(twoHourBatch(), noDeadline()))).message,
      "the webhook destination is closed",
    );
  });

  it("receiver down: retryable failure; after restart on the same port, delivered", async () => {
    await receiver.stop();
    const error = await failure(destination.deliver(twoHourBatch("hook:down"), noDeadline()));
    assert.equal(error.retryable, true);
    // ECONNREFUSED for a new connection; ECONNRESET when a pooled keep-alive socket was cut. The code
    // only: never the address and port.
    assert.match(error.message, /^webhook request failed \((ECONNREFUSED|ECONNRESET)\)$/);
    await receiver.start();
    await destination.deliver(twoHourBatch("hook:down"), noDeadline());
    assert.deepEqual(
      receiver.deliveries.map((d) => [d.id, d.signatureValid]),
      [["hook:down", true]],
    );
  });

  it("a receiver with another secret rejects the signature; error messages never contain secrets", async () => {
    const other = await startWebhookReceiver(generateWebhookSecret());
    try {
      const wrong = await createDestination(
        parseDestinationConfig({ type: "webhook", url: other.url, secret }, "d"),
        TEST_OUTBOUND,
      );
      const error = await failure(wrong.deliver(twoHourBatch(), noDeadline()));
      assert.equal(error.message, "webhook answered HTTP 401 Unauthorized");
      assert.equal(error.retryable, true);
      assert.equal(other.deliveries[0]?.signatureValid, false);
      assert.ok(!JSON.stringify({ message: error.message, stack: error.stack }).includes(secret.slice(6)));
    } finally {
      await other.stop();
    }
  });
});
