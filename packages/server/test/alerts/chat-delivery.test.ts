/**
 * Slack and Teams payloads of webhook destinations, end to end on both engines: a rule fires on an
 * injected regression, and the delivery engine posts one Slack message and one Teams message (each to its
 * own real webhook receiver, signed, `webhook-id` the record id) that satisfy the documented shapes of
 * test/support/chat-payload-schemas.ts and explain the excess. Survey records never reach a chat webhook:
 * only a setting whose categories are exactly CallSurveyAlert may have one, and erasure tombstones are not
 * posted.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Ajv } from "ajv";
import { AlertEvaluator } from "../../src/alerts/evaluator.js";
import { createRule } from "../../src/alerts/rule-store.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { DeliveryEngine } from "../../src/delivery/delivery-engine.js";
import { chatMessages } from "../../src/delivery/destinations/chat-payload.js";
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
import {
  slackMessageSchema,
  TEAMS_MESSAGE_LIMIT_BYTES,
  teamsMessageSchema,
} from "../support/chat-payload-schemas.js";
import { deliveryOf } from "../support/delivery-of.js";
import { onEveryEngine } from "../support/engines.js";
import { TEST_OUTBOUND } from "../support/outbound.js";
import { seedProject } from "../support/seed.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const ajv = new Ajv({ strict: true, allErrors: true });
const validSlack = ajv.compile(slackMessageSchema);
const validTeams = ajv.compile(teamsMessageSchema);

onEveryEngine("alert_chat", (engine, makeDatabase) => {
  describe(`Slack and Teams webhook payloads (${engine})`, () => {
    let env: Awaited<ReturnType<typeof makeDatabase>>;
    let slack: WebhookReceiver;
    let teams: WebhookReceiver;
    let delivery: DeliveryEngine | undefined;
    const secret = generateWebhookSecret();
    before(async () => {
      env = await makeDatabase();
      slack = await startWebhookReceiver(secret);
      teams = await startWebhookReceiver(secret);
    });
    after(async () => {
      await delivery?.stop();
      await slack.stop();
      await teams.stop();
      await env.cleanup();
    });

    it("posts one signed Slack message and one Teams card per firing, in their documented shapes", async () => {
      const { db } = env;
      const project = await seedProject(db, "calls");
      await seedBaselineDay(db, "calls");
      const author = { operator: false, outbound: TEST_OUTBOUND };
      for (const [name, receiver, payload] of [
        ["slack", slack, "slack"],
        ["teams", teams, "teams"],
      ] as const)
        await createSetting(
          deliveryOf(db),
          project,
          parseSettingInput({
            name,
            categories: ["CallSurveyAlert"],
            destinations: { webhook: { url: receiver.url, secret, payload } },
          }),
          author,
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
      await Promise.all([slack.waitFor(1, 20_000), teams.waitFor(1, 20_000)]);

      const [s] = slack.deliveries;
      assert.ok(s);
      assert.equal(s.signatureValid, true);
      assert.equal(s.id, `CallSurveyAlert:${fired.id}`, "webhook-id is the record id");
      const message = JSON.parse(s.body) as {
        text: string;
        blocks: Array<{ type: string; text?: { text: string } }>;
      };
      assert.ok(validSlack(message), JSON.stringify(validSlack.errors));
      assert.match(message.text, /Firing: Audio complaints/);
      const sections = message.blocks.map((b) => b.text?.text ?? "").join("\n");
      assert.match(sections, /What carries the excess: issue tag[\s\S]*Echo/);
      assert.match(sections, /What carries the excess: app version[\s\S]*2\.4\.0/);

      const [m] = teams.deliveries;
      assert.ok(m);
      assert.equal(m.signatureValid, true);
      assert.ok(Buffer.byteLength(m.body) <= TEAMS_MESSAGE_LIMIT_BYTES);
      const card = JSON.parse(m.body);
      assert.ok(validTeams(card), JSON.stringify(validTeams.errors));
      assert.equal(card.type, "message");
      assert.equal(card.attachments[0].contentType, "application/vnd.microsoft.card.adaptive");
      assert.match(JSON.stringify(card.attachments[0].content.body), /2\.4\.0/);

      await new Promise((r) => setTimeout(r, 500));
      assert.equal(slack.deliveries.length, 1, "one Slack message");
      assert.equal(teams.deliveries.length, 1, "one Teams message");
    });

    it("posts alerts whatever record format wraps them, and no other record", async () => {
      const [row] = await env.db.all<{ record: string }>(
        "SELECT record FROM alert_history WHERE to_status = 'firing'",
      );
      const alert = JSON.parse(String(row?.record)) as Record<string, unknown>;
      const messages = chatMessages("teams", [
        { id: "CallSurveyDeleted:e1", category: "CallSurveyDeleted", timeMs: 1, body: { surveyIds: ["s1"] } },
        { id: "CallSurvey:s1", category: "CallSurvey", timeMs: 1, body: { id: "s1" } },
        {
          id: "CallSurveyAlert:a",
          category: "CallSurveyAlert",
          timeMs: 1,
          body: { operationName: "CallSurveyAlert", category: "CallSurveyAlert", properties: alert },
        },
        { id: "CallSurveyAlert:b", category: "CallSurveyAlert", timeMs: 1, body: alert },
      ]);
      assert.deepEqual(
        messages.map((m) => m.id),
        ["CallSurveyAlert:a", "CallSurveyAlert:b"],
      );
      assert.deepEqual(messages[0]?.body, messages[1]?.body);
      assert.ok(validTeams(messages[0]?.body), JSON.stringify(validTeams.errors));
    });
  });
});
