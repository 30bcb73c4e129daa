import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeliveryFailure, type Destination } from "../../../src/delivery/destination.js";
import { createDestination } from "../../../src/delivery/destinations/create-destination.js";
import { parseDestinationConfig } from "../../../src/delivery/destinations/destination-config.js";
import { noDeadline, twoHourBatch } from "../../support/delivery-batch.js";
import { type NatsServer, natsSkip, startNats } from "../../support/nats.js";
import { TEST_OUTBOUND } from "../../support/outbound.js";

describe("stream destination (NATS JetStream)", { skip: natsSkip() }, () => {
  let nats: NatsServer;
  let destination: Destination;

  before(async () => {
    nats = await startNats();
    await nats.createStream("CALLSURVEY", ["aftercall.>"]);
    destination = await createDestination(
      {
        type: "stream",
        servers: [nats.url],
        subject: "aftercall.callsurvey",
      },
      TEST_OUTBOUND,
    );
  });
  after(async () => {
    await destination?.close();
    await nats?.dispose();
  });

  it("publishes a batch as one message {records:[…]} with Nats-Msg-Id = batch id", async () => {
    const batch = twoHourBatch("stream:1-5");
    await destination.deliver(batch, noDeadline());
    const messages = await nats.messages("CALLSURVEY");
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message?.subject, "aftercall.callsurvey");
    assert.equal(message?.headers["Nats-Msg-Id"], "stream:1-5");
    assert.deepEqual(JSON.parse(message?.data ?? ""), { records: batch.records.map((r) => r.body) });
  });

  it("a re-sent batch is de-duplicated by the server: still one message", async () => {
    const batch = twoHourBatch("stream:6-10");
    const before = (await nats.messages("CALLSURVEY")).length;
    await destination.deliver(batch, noDeadline());
    await destination.deliver(batch, noDeadline());
    const messages = await nats.messages("CALLSURVEY");
    assert.equal(messages.length, before + 1);
    assert.equal(messages.filter((m) => m.headers["Nats-Msg-Id"] === "stream:6-10").length, 1);
  });

  it("fails clearly when no stream captures the subject", async () => {
    const lost = await createDestination(
      {
        type: "stream",
        servers: [nats.url],
        subject: "elsewhere.surveys",
      },
      TEST_OUTBOUND,
    );
    try {
      await assert.rejects(lost.deliver(twoHourBatch(), noDeadline()), (error: unknown) => {
        assert.ok(error instanceof DeliveryFailure);
        assert.equal(
          error.message,
          "no JetStream stream captures subject elsewhere.surveys (or JetStream is not enabled on the server)",
        );
        return true;
      });
    } finally {
      await lost.close();
    }
  });

  it("a server that cannot be reached fails retryably", async () => {
    const nowhere = await createDestination(
      {
        type: "stream",
        servers: ["nats://127.0.0.1:1"],
        subject: "a.b",
      },
      TEST_OUTBOUND,
    );
    await assert.rejects(nowhere.deliver(twoHourBatch(), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.equal(error.retryable, true);
      assert.match(error.message, /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: /);
      return true;
    });
    await nowhere.close();
  });

  it("server down: a retryable failure within the engine's deadline; after restart, delivered again", async () => {
    await nats.process.stop();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("batch timeout")), 1_000);
    await assert.rejects(
      destination.deliver(twoHourBatch("stream:down"), controller.signal),
      (error: unknown) => {
        assert.ok(error instanceof DeliveryFailure);
        assert.equal(error.retryable, true);
        return true;
      },
    );
    await nats.process.start();
    // The client reconnects by itself (every 500 ms); the engine would simply retry the batch.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await destination.deliver(twoHourBatch("stream:down"), AbortSignal.timeout(2_000));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    const delivered = (await nats.messages("CALLSURVEY")).filter(
      (m) => m.headers["Nats-Msg-Id"] === "stream:down",
    );
    // The publish buffered during the outage may have reached the stream on reconnect; de-duplication keeps one.
    assert.equal(delivered.length, 1);
  });

  it("survives a kill -9 of the server: the stream and its messages are recovered from the store", async () => {
    const before = await nats.messages("CALLSURVEY");
    await nats.process.kill();
    await nats.process.start();
    assert.deepEqual(await nats.messages("CALLSURVEY"), before);
  });
});

describe("stream destination with token authentication", { skip: natsSkip() }, () => {
  let nats: NatsServer;
  before(async () => {
    nats = await startNats({ token: "s3cret-nats-token" });
    await nats.createStream("CALLSURVEY", ["aftercall.>"]);
  });
  after(async () => {
    await nats?.dispose();
  });

  it("delivers with the right token; a wrong one is an authorization failure that does not quote it", async () => {
    const good = await createDestination(
      parseDestinationConfig({ type: "stream", servers: [nats.url], token: "s3cret-nats-token" }, "d"),
      TEST_OUTBOUND,
    );
    await good.deliver(twoHourBatch("auth:1-5"), noDeadline());
    await good.close();
    assert.deepEqual(
      (await nats.messages("CALLSURVEY")).map((m) => m.headers["Nats-Msg-Id"]),
      ["auth:1-5"],
    );

    const bad = await createDestination(
      parseDestinationConfig({ type: "stream", servers: [nats.url], token: "wrong-token" }, "d"),
      TEST_OUTBOUND,
    );
    await assert.rejects(bad.deliver(twoHourBatch(), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.match(
        error.message,
        /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*(auth|Authorization)/i,
      );
      assert.ok(!error.message.includes("wrong-token"));
      return true;
    });
    await bad.close();
  });
});
