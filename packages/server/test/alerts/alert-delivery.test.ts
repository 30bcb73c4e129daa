/**
 * CallSurveyAlert records through the delivery engine, on both engines: the record of a firing alert
 * reaches a real webhook receiver (signature checked by the receiver's own code) in the native format and
 * a NATS JetStream stream as an Azure resource-log record, once, with the stable record id.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AlertEvaluator } from "../../src/alerts/evaluator.js";
import { createRule } from "../../src/alerts/rule-store.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { DeliveryEngine } from "../../src/delivery/delivery-engine.js";
import { generateWebhookSecret } from "../../src/delivery/destinations/webhook-signature.js";
import { createSetting } from "../../src/delivery/manage-settings.js";
import { parseSettingInput } from "../../src/delivery/settings.js";
import { createLogger } from "../../src/logger.js";
import { getProject } from "../../src/projects/project-store.js";
import {
  AUDIO_RULE,
  REGRESSION_AT,
  seedBaselineDay,
  seedRegression,
  tickThroughRegression,
} from "../support/alert-scenario.js";
import { deliveryOf } from "../support/delivery-of.js";
import { onEveryEngine } from "../support/engines.js";
import { type NatsServer, natsSkip, startNats } from "../support/nats.js";
import { TEST_OUTBOUND } from "../support/outbound.js";
import { seedProject } from "../support/seed.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const STREAM = "ALERTS";

onEveryEngine("alert_delivery", (engine, makeDatabase) => {
  describe(`CallSurveyAlert delivery (${engine})`, { skip: natsSkip() }, () => {
    let env: Awaited<ReturnType<typeof makeDatabase>>;
    let receiver: WebhookReceiver;
    let nats: NatsServer;
    let delivery: DeliveryEngine;
    const secret = generateWebhookSecret();
    before(async () => {
      env = await makeDatabase();
      receiver = await startWebhookReceiver(secret);
      nats = await startNats();
      await nats.createStream(STREAM, ["aftercall.>"]);
    });
    after(async () => {
      await delivery?.stop();
      await receiver.stop();
      await nats.dispose();
      await env.cleanup();
    });

    it("delivers the firing record to a signed webhook (native) and NATS (acs), once", async () => {
      const { db } = env;
      const project = await seedProject(db, "calls");
      await seedBaselineDay(db, "calls");
      await createSetting(
        deliveryOf(db),
        project,
        parseSettingInput({
          name: "alerts",
          categories: ["CallSurveyAlert"],
          format: "acs",
          destinations: {
            webhook: { url: receiver.url, secret, format: "native" },
            stream: { servers: [nats.url], subject: "aftercall.alerts" },
          },
        }),
        { operator: true, outbound: TEST_OUTBOUND },
      );
      await createRule(db, "calls", AUDIO_RULE, REGRESSION_AT);
      await seedRegression(db, "calls");
      const evaluator = new AlertEvaluator({ db, reads: analyticsReads(db) });
      await tickThroughRegression(evaluator);
      const [fired] = await db.all<{ id: string }>("SELECT id FROM alert_history WHERE to_status = 'firing'");
      assert.ok(fired, "the rule fired");

      delivery = new DeliveryEngine({
        store: deliveryOf(db),
        getProject: (id) => getProject(db, id),
        logger: createLogger("silent"),
        outbound: TEST_OUTBOUND,
        pollIntervalMs: 50,
      });
      delivery.start();
      await receiver.waitFor(1, 20_000);
      const hook = receiver.deliveries[0];
      assert.equal(hook?.signatureValid, true);
      const [record] = (hook?.records ?? []) as Array<Record<string, unknown>>;
      assert.equal(record?.id, fired.id);
      assert.equal((record?.transition as { to: string } | undefined)?.to, "firing");
      assert.ok(Array.isArray(record?.explanations));

      let messages = await nats.messages(STREAM);
      for (let i = 0; i < 100 && messages.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        messages = await nats.messages(STREAM);
      }
      assert.equal(messages.length, 1);
      const [acs] = (JSON.parse(messages[0]?.data ?? "{}") as { records: Array<Record<string, unknown>> })
        .records;
      assert.equal(acs?.category, "CallSurveyAlert");
      assert.equal((acs?.properties as { id: string } | undefined)?.id, fired.id);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(receiver.deliveries.length, 1, "delivered once");
    });
  });
});
