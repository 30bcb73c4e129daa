/**
 * Chat payloads of webhook destinations through the admin API: a `slack` or `teams` webhook is accepted
 * only in a setting whose categories are exactly CallSurveyAlert (400 CHAT_PAYLOAD_ALERTS_ONLY otherwise,
 * on create and on every update that would break it); reads show the payload; the destination test posts a
 * marked message in the chat's own envelope to a real receiver, signed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Ajv } from "ajv";
import { generateWebhookSecret } from "../../src/delivery/destinations/webhook-signature.js";
import { slackMessageSchema, teamsMessageSchema } from "../support/chat-payload-schemas.js";
import { startTestApp, type TestProject } from "../support/test-app.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const ajv = new Ajv({ strict: true, allErrors: true });
const validSlack = ajv.compile(slackMessageSchema);
const validTeams = ajv.compile(teamsMessageSchema);

describe("diagnostic settings with chat webhooks", () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let demo: TestProject;
  let receiver: WebhookReceiver;
  const secret = generateWebhookSecret();
  const base = "/v1/projects/demo/diagnostic-settings";
  before(async () => {
    t = await startTestApp();
    demo = await t.addProject({ id: "demo", name: "Demo" });
    receiver = await startWebhookReceiver(secret);
  });
  after(async () => {
    await receiver.stop();
    await t.close();
  });
  const call = (method: "GET" | "POST" | "PATCH", url: string, payload?: unknown) =>
    t.app.fastify.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${demo.adminToken}`,
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const hook = (payload: string) => ({ url: receiver.url, secret, payload });

  it("refuses a chat webhook in a setting that carries surveys or events", async () => {
    for (const categories of [
      ["CallSurvey"],
      ["allLogs"],
      ["CallSurveyAlert", "CallSurveyEvent"],
      undefined,
    ]) {
      const res = await call("POST", base, {
        name: "chat",
        ...(categories ? { categories } : {}),
        destinations: { webhook: hook("slack") },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, "CHAT_PAYLOAD_ALERTS_ONLY");
      assert.match(res.json().message, /destinations\.webhook\.payload/);
    }
    const unknown = await call("POST", base, {
      name: "chat",
      categories: ["CallSurveyAlert"],
      destinations: { webhook: hook("discord") },
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().code, "VALIDATION_FAILED");
    assert.match(
      unknown.json().message,
      /destinations\.webhook\.payload must be one of records, slack, teams/,
    );
  });

  it("accepts it for alerts only, shows the payload, and keeps the rule on every update", async () => {
    const created = await call("POST", base, {
      name: "slack",
      categories: ["CallSurveyAlert"],
      destinations: { webhook: hook("slack") },
    });
    assert.equal(created.statusCode, 201, created.body);
    const setting = created.json();
    assert.equal(setting.destinations[0].config.payload, "slack");
    assert.deepEqual(setting.destinations[0].config.secret, { set: true });

    const widened = await call("PATCH", `${base}/${setting.id}`, { categories: ["allLogs"] });
    assert.equal(widened.statusCode, 400);
    assert.equal(widened.json().code, "CHAT_PAYLOAD_ALERTS_ONLY");

    const surveys = await call("POST", base, { name: "surveys", destinations: { webhook: hook("records") } });
    assert.equal(surveys.statusCode, 201, surveys.body);
    const toChat = await call("PATCH", `${base}/${surveys.json().id}`, {
      destinations: { webhook: hook("teams") },
    });
    assert.equal(toChat.statusCode, 400);
    assert.equal(toChat.json().code, "CHAT_PAYLOAD_ALERTS_ONLY");

    const back = await call("PATCH", `${base}/${setting.id}`, { destinations: { webhook: hook("records") } });
    assert.equal(back.statusCode, 200, back.body);
    const widenedNow = await call("PATCH", `${base}/${setting.id}`, { categories: ["allLogs"] });
    assert.equal(widenedNow.statusCode, 200, "a records webhook may carry anything");
  });

  it("tests a chat webhook with a marked message in its own envelope", async () => {
    for (const [name, payload, valid] of [
      ["slack-test", "slack", validSlack],
      ["teams-test", "teams", validTeams],
    ] as const) {
      const created = await call("POST", base, {
        name,
        categories: ["CallSurveyAlert"],
        destinations: { webhook: hook(payload) },
      });
      assert.equal(created.statusCode, 201, created.body);
      const before = receiver.deliveries.length;
      const res = await call("POST", `${base}/${created.json().id}/test`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().results[0].ok, true, res.body);
      const received = receiver.deliveries[before];
      assert.ok(received);
      assert.equal(received.signatureValid, true);
      const body = JSON.parse(received.body);
      assert.ok(valid(body), JSON.stringify(valid.errors));
      assert.match(received.body, /Aftercall test message/);
      assert.doesNotMatch(received.body, /aftercall-test-call/, "no survey record");
    }
  });
});
