/**
 * How far the rollups trail the committed surveys, as a status an operator or the dashboard can read:
 * the surveys not yet folded and the age of the oldest, back to zero once the folder caught up.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { startTestApp, survey, type TestProject } from "../support/test-app.js";

describe("GET /v1/projects/{id}/analytics/freshness", () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let project: TestProject;
  before(async () => {
    // No folder in this process: the test folds by hand.
    t = await startTestApp({ delivery: false, retention: false, folding: false });
    project = await t.addProject({ id: "fresh", name: "Fresh" });
  });
  after(() => t.close());

  const freshness = async () => {
    const res = await t.app.fastify.inject({
      method: "GET",
      url: "/v1/projects/fresh/analytics/freshness",
      headers: { authorization: `Bearer ${project.adminToken}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body) as { unfoldedSurveys: number; lagSeconds: number };
  };

  it("counts the committed surveys not yet folded and the age of the oldest, then zero once folded", async () => {
    assert.deepEqual(await freshness(), { unfoldedSurveys: 0, lagSeconds: 0 });
    const receivedBefore = Date.now();
    for (let i = 0; i < 3; i++) {
      const res = await t.app.fastify.inject({
        method: "POST",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${project.ingestKey}` },
        payload: survey(),
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    const behind = await freshness();
    assert.equal(behind.unfoldedSurveys, 3);
    assert.ok(behind.lagSeconds >= 0 && behind.lagSeconds <= (Date.now() - receivedBefore) / 1000 + 1);
    await foldProject(t.db, "fresh");
    assert.deepEqual(await freshness(), { unfoldedSurveys: 0, lagSeconds: 0 });
  });

  it("is the project's own: the ingest key may not read it", async () => {
    const res = await t.app.fastify.inject({
      method: "GET",
      url: "/v1/projects/fresh/analytics/freshness",
      headers: { authorization: `Bearer ${project.ingestKey}` },
    });
    assert.equal(res.statusCode, 403);
  });
});
