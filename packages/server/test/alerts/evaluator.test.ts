/**
 * The evaluator on both engines: a rule fires on an injected regression with the right explanation
 * (app version 2.4.0 and the Echo tag carry the excess), resolves after it, commits state, history and
 * one outbox entry per notifying transition in one transaction, and two evaluators on one store commit
 * each tick once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CallSurveyAlert } from "../../src/alerts/alert-record.js";
import { AlertEvaluator, evaluateStoredRule } from "../../src/alerts/evaluator.js";
import { createRule, listHistory, requireRule } from "../../src/alerts/rule-store.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import type { Database } from "../../src/store/database.js";
import {
  AUDIO_RULE,
  HOUR_MS,
  REGRESSION_AT,
  seedBaselineDay,
  seedRecovery,
  seedRegression,
} from "../support/alert-scenario.js";
import { onEveryEngine } from "../support/engines.js";
import { seedProject } from "../support/seed.js";

const MINUTE_MS = 60_000;

async function outboxAlerts(db: Database): Promise<string[]> {
  const found = await db.all<{ item_id: string }>(
    "SELECT item_id FROM delivery_log WHERE category = 'CallSurveyAlert' ORDER BY seq",
  );
  return found.map((r) => r.item_id);
}

onEveryEngine("alert_evaluator", (engine, makeDatabase) => {
  describe(`alert evaluator (${engine})`, () => {
    let env: Awaited<ReturnType<typeof makeDatabase>>;
    let db: Database;
    before(async () => {
      env = await makeDatabase();
      db = env.db;
      await seedProject(db, "calls");
      await seedBaselineDay(db, "calls");
    });
    after(() => env.cleanup());

    it("fires on the regression with the right explanation and resolves after it", async () => {
      const rule = await createRule(db, "calls", AUDIO_RULE, REGRESSION_AT - HOUR_MS);
      const evaluator = new AlertEvaluator({ db, reads: analyticsReads(db) });
      // Quiet before the regression.
      const quiet = await evaluator.tick(REGRESSION_AT);
      assert.equal(quiet.evaluated, 1);
      await seedRegression(db, "calls");
      let firedAt: number | undefined;
      for (let t = REGRESSION_AT + 5 * MINUTE_MS; t <= REGRESSION_AT + 2 * HOUR_MS; t += 5 * MINUTE_MS) {
        await evaluator.tick(t);
        const [state] = await db.all<{ status: string }>("SELECT status FROM alert_state WHERE rule_id = ?", [
          rule.id,
        ]);
        if (state?.status === "firing") {
          firedAt = t;
          break;
        }
      }
      assert.ok(firedAt, "the rule fired during the regression");
      assert.ok(
        firedAt - REGRESSION_AT <= HOUR_MS,
        `fired after ${(firedAt - REGRESSION_AT) / MINUTE_MS} min`,
      );
      const [fired] = await listHistory(db, "calls", { limit: 10 });
      assert.equal(fired?.to, "firing");
      const record = fired?.record as unknown as CallSurveyAlert;
      assert.equal(record.id, `${rule.id}:firing:${firedAt}`);
      assert.equal(record.rule.name, "Audio complaints");
      const byDimension = new Map(record.explanations.map((e) => [e.dimension, e]));
      assert.equal(byDimension.get("appVersion")?.contributions[0]?.value, "2.4.0");
      assert.equal(byDimension.get("appVersion")?.contributions[0]?.significant, true);
      assert.equal(byDimension.get("tag")?.contributions[0]?.value, "Echo");
      assert.deepEqual(await outboxAlerts(db), [record.id]);

      // Recovery: the alert resolves within the three good hours, with one more record.
      await seedRecovery(db, "calls");
      let resolvedAt: number | undefined;
      for (let t = REGRESSION_AT + 2 * HOUR_MS; t <= REGRESSION_AT + 5 * HOUR_MS; t += 5 * MINUTE_MS) {
        await evaluator.tick(t);
        const [state] = await db.all<{ status: string }>("SELECT status FROM alert_state WHERE rule_id = ?", [
          rule.id,
        ]);
        if (state?.status === "resolved") {
          resolvedAt = t;
          break;
        }
      }
      assert.ok(resolvedAt, "the rule resolved after the regression");
      const history = await listHistory(db, "calls", { limit: 10, ruleId: rule.id });
      assert.deepEqual(
        history.map((h) => `${h.from}→${h.to}`),
        ["firing→resolved", "ok→firing"],
      );
      assert.equal(
        (await outboxAlerts(db)).length,
        2,
        "one outbox entry per notifying transition, none per evaluation",
      );
    });

    it("commits a tick once across two evaluators on one store, and re-evaluating a tick changes nothing", async () => {
      const rule = await createRule(db, "calls", { ...AUDIO_RULE, name: "Raced" }, REGRESSION_AT);
      const stored = await requireRule(db, "calls", rule.id);
      const twin = await env.twin();
      const reads = [analyticsReads(db), analyticsReads(twin)];
      let firings = 0;
      for (let t = REGRESSION_AT + 15 * MINUTE_MS; t <= REGRESSION_AT + 2 * HOUR_MS; t += 15 * MINUTE_MS) {
        const results = await Promise.all([
          evaluateStoredRule({ db, reads: reads[0] as never }, stored, t),
          evaluateStoredRule({ db: twin, reads: reads[1] as never }, stored, t),
        ]);
        const committed = results.filter((r) => r.outcome === "evaluated");
        assert.equal(committed.length, 1, `tick ${t}: ${results.map((r) => r.outcome).join(", ")}`);
        firings += results.filter((r) => r.record?.transition.to === "firing").length;
        const again = await evaluateStoredRule({ db, reads: reads[0] as never }, stored, t);
        assert.equal(again.outcome, "skipped");
      }
      assert.equal(firings, 1);
      const entries = await db.all<{ n: number | string }>(
        "SELECT count(*) AS n FROM alert_history WHERE rule_id = ?",
        [rule.id],
      );
      assert.equal(Number(entries[0]?.n), 1);
    });
  });
});
