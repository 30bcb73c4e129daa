/**
 * Downstream systems learn of an erasure: for every destination type, against its real system, the
 * surveys delivered before an erasure are followed by a `CallSurveyDeleted` tombstone listing exactly the
 * erased survey ids (stream and webhook: a record; blob, S3 and directory: an erasure manifest object
 * beside the hour objects), carrying no erased content.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { DELIVERY_TARGETS, type DeliveryTarget, surveyIdOf } from "../support/delivery-targets.js";
import { OPERATOR_TOKEN, startTestApp, survey } from "../support/test-app.js";

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The erased survey ids a tombstone lists, in either format. */
function erasedSurveyIds(tombstone: unknown): string[] {
  const t = tombstone as { surveyIds?: string[]; properties?: { SurveyIds?: string[] } };
  return [...(t.surveyIds ?? t.properties?.SurveyIds ?? [])].sort();
}

for (const { type, skip, start } of DELIVERY_TARGETS) {
  describe(`erasure tombstones to ${type}`, { skip: skip() }, () => {
    it("the erased surveys' ids arrive as a tombstone after the surveys, and nothing else of them", async () => {
      const target: DeliveryTarget = await start();
      const t = await startTestApp({ delivery: { pollIntervalMs: 50 }, retention: false });
      try {
        const project = await t.addProject({ id: "tomb", name: "Tombstones" });
        const inject = (method: "GET" | "POST", url: string, token: string, payload?: object) =>
          t.app.fastify.inject({
            method,
            url,
            headers: { authorization: `Bearer ${token}` },
            ...(payload ? { payload } : {}),
          });
        const setting = await inject("POST", "/v1/projects/tomb/diagnostic-settings", OPERATOR_TOKEN, {
          name: "out",
          categories: ["allLogs"],
          destinations: { [type]: { ...target.config, format: target.format } },
        });
        assert.equal(setting.statusCode, 201, setting.body);
        const ids: Record<string, string[]> = { alice: [], bob: [] };
        for (const participantId of ["alice", "alice", "bob", "alice", "bob"]) {
          const body = survey({ participantId, callId: `call-${participantId}` });
          const res = await inject("POST", "/v1/surveys", project.ingestKey, body);
          assert.equal(res.statusCode, 201, res.body);
          ids[participantId]?.push(String(body.id));
        }
        const all = [...(ids.alice ?? []), ...(ids.bob ?? [])];
        await until("the surveys to arrive", async () => {
          const arrived = new Set((await target.records()).map(surveyIdOf));
          return all.every((id) => arrived.has(id)) ? true : undefined;
        });

        const erasure = await inject("POST", "/v1/projects/tomb/erasures", project.adminToken, {
          participantId: "alice",
        });
        assert.equal(erasure.statusCode, 201, erasure.body);
        const [tombstone] = await until("the tombstone", async () => {
          const found = await target.tombstones();
          return found.length > 0 ? found : undefined;
        });
        assert.deepEqual(erasedSurveyIds(tombstone), [...(ids.alice ?? [])].sort());
        const text = JSON.stringify(tombstone);
        assert.ok(!text.includes("alice"), "the tombstone names the erased ids only, not the person");
        assert.ok(text.includes(JSON.parse(erasure.body).id), "the tombstone carries the receipt's id");
      } finally {
        await t.close();
        await target.dispose();
      }
    });
  });
}
