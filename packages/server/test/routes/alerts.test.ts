/**
 * The alert-rule API: rules stored per project with their defaults, checks naming the field with stable
 * codes, patches that restart the detector only when what is watched changes, the per-project limit,
 * and the alert list and history of a project that has not fired yet.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_ALERT_RULES_PER_PROJECT } from "@aftercall/api";
import { OPERATOR_TOKEN, startTestApp, type TestProject } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

describe("alert rules: /v1/projects/{id}/alert-rules", () => {
  let t: Ctx;
  let demo: TestProject;
  let other: TestProject;
  before(async () => {
    t = await startTestApp({ delivery: false, retention: false });
    demo = await t.addProject({ id: "demo", name: "Demo" });
    other = await t.addProject({ id: "other", name: "Other" });
  });
  after(() => t.close());

  const call = (method: string, url: string, payload?: unknown, token = demo.adminToken) =>
    t.app.fastify.inject({
      method: method as "GET",
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const base = "/v1/projects/demo/alert-rules";

  it("creates a rule with every default filled, in state ok, and reads it back", async () => {
    const res = await call("POST", base, { name: "Audio complaints", category: "audio" });
    assert.equal(res.statusCode, 201, res.body);
    const rule = res.json();
    assert.equal(rule.projectId, "demo");
    assert.equal(rule.windowMinutes, 60);
    assert.deepEqual(rule.baseline, { type: "trailing", days: 7, minimumSurveys: 500 });
    assert.deepEqual(rule.minimumEffect, { type: "difference", value: 0.05 });
    assert.equal(rule.minimumSurveys, 30);
    assert.equal(rule.falseAlarmsPerWeek, 0.1);
    assert.equal(rule.enabled, true);
    assert.equal(rule.state.status, "ok");
    assert.equal(rule.state.lastEvaluatedAt, null);
    assert.deepEqual((await call("GET", `${base}/${rule.id}`)).json(), rule);
    assert.deepEqual(
      (await call("GET", base)).json().items.map((r: { id: string }) => r.id),
      [rule.id],
    );
    // Another project's admin token sees nothing of it.
    assert.equal((await call("GET", `${base}/${rule.id}`, undefined, other.adminToken)).statusCode, 404);
    assert.equal(
      (await call("GET", `/v1/projects/other/alert-rules/${rule.id}`, undefined, other.adminToken))
        .statusCode,
      404,
    );
  });

  it("refuses bad rules with a stable code naming the field, never a 500", async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ category: "audio" }, "REQUIRED", "name"],
      [{ name: "x", category: "smell" }, "UNKNOWN_CATEGORY", "category"],
      [{ name: "x", category: "audio", windowMinutes: 5 }, "OUT_OF_RANGE", "windowMinutes"],
      [{ name: "x", category: "audio", windowMinutes: 60.5 }, "NOT_INTEGER", "windowMinutes"],
      [{ name: "x", category: "audio", colour: "red" }, "UNKNOWN_FIELD", "colour"],
      [
        { name: "x", category: "audio", filter: { tag: "audio:Smell" } },
        "UNKNOWN_ISSUE_TAG",
        "filter.tag.tag",
      ],
      [
        {
          name: "x",
          category: "audio",
          baseline: { type: "fixed", poorRate: 0.98 },
          minimumEffect: { type: "difference", value: 0.05 },
        },
        "EFFECT_UNREACHABLE",
        "minimumEffect",
      ],
      [{ name: "x", category: "audio", enabled: "yes" }, "INVALID_TYPE", "enabled"],
    ];
    for (const [body, code, path] of cases) {
      const res = await call("POST", base, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, "VALIDATION_FAILED");
      const issue = res.json().errors.find((e: { code: string }) => e.code === code);
      assert.ok(issue, `${JSON.stringify(body)} → ${res.body}`);
      assert.equal(issue.path, path);
    }
    const notObject = await call("POST", base, [1, 2]);
    assert.equal(notObject.statusCode, 400);
    assert.equal((await call("GET", base, undefined, demo.ingestKey)).statusCode, 403);
    assert.equal((await call("GET", `${base}/nope`)).statusCode, 404);
    assert.equal((await call("PATCH", `${base}/nope`, { name: "y" })).statusCode, 404);
    assert.equal((await call("DELETE", `${base}/nope`)).statusCode, 404);
  });

  it("patches: a new name keeps the detector, a new window restarts it; a bad patch changes nothing", async () => {
    const created = (await call("POST", base, { name: "Video", category: "video" })).json();
    // Pretend the evaluator ran.
    await t.db.run("UPDATE alert_state SET version = 7, evaluated_at = 1 WHERE rule_id = ?", [created.id]);
    const renamed = await call("PATCH", `${base}/${created.id}`, { name: "Video (all)", enabled: false });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().name, "Video (all)");
    assert.equal(renamed.json().enabled, false);
    assert.notEqual(renamed.json().state.lastEvaluatedAt, null);
    const rewindowed = await call("PATCH", `${base}/${created.id}`, { windowMinutes: 120 });
    assert.equal(rewindowed.json().windowMinutes, 120);
    assert.equal(rewindowed.json().state.lastEvaluatedAt, null);
    const bad = await call("PATCH", `${base}/${created.id}`, { windowMinutes: 2 });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].path, "windowMinutes");
    assert.equal((await call("GET", `${base}/${created.id}`)).json().windowMinutes, 120);
    assert.equal((await call("DELETE", `${base}/${created.id}`)).statusCode, 204);
    assert.equal((await call("GET", `${base}/${created.id}`)).statusCode, 404);
  });

  it("lists alerts (firing first) and an empty history; refuses a bad history query", async () => {
    const alerts = (await call("GET", "/v1/projects/demo/alerts")).json().items;
    assert.ok(alerts.length >= 1);
    assert.equal(alerts[0].status, "ok");
    assert.equal(alerts[0].latest, null);
    assert.deepEqual((await call("GET", "/v1/projects/demo/alerts/history")).json(), { items: [] });
    assert.equal((await call("GET", "/v1/projects/demo/alerts/history?limit=0")).statusCode, 400);
    assert.equal((await call("GET", "/v1/projects/demo/alerts/history?before=yesterday")).statusCode, 400);
  });

  it("reports enabled rules by status on /metrics, per project and category", async () => {
    const res = await call("GET", "/metrics", undefined, OPERATOR_TOKEN);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /aftercall_alert_rules\{project="demo",category="audio",status="ok"\} 1/);
  });

  it(`allows at most ${MAX_ALERT_RULES_PER_PROJECT} rules per project`, async () => {
    const existing = (await call("GET", base)).json().items.length;
    for (let i = existing; i < MAX_ALERT_RULES_PER_PROJECT; i++)
      assert.equal((await call("POST", base, { name: `r${i}`, category: "overall" })).statusCode, 201);
    const over = await call("POST", base, { name: "one too many", category: "overall" });
    assert.equal(over.statusCode, 409);
    assert.equal(over.json().code, "ALERT_RULE_LIMIT_REACHED");
  });
});
