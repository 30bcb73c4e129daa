/**
 * Custom dimension caps, against a real server process on both engines: past a key's distinct values of
 * the day a survey is still stored whole, its value counts as "(other)" in the analytics and the answer
 * says so; past the project's distinct keys a key is stored but not rolled up; drill-down from the
 * "(other)" row finds exactly the folded surveys; a retry is not folded twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onEveryEngineServer, type SecurityServer } from "../support/security-server.js";
import { survey } from "../support/test-app.js";

const KEYS = 3;
const VALUES = 4;

interface Warning {
  code: string;
  field: string;
  message: string;
}

onEveryEngineServer("dimension_caps", (engine, start) => {
  describe(`custom dimension caps (${engine})`, { timeout: 120_000 }, () => {
    let s: SecurityServer;
    before(async () => {
      s = await start({
        AFTERCALL_DIMENSION_KEYS_PER_PROJECT: String(KEYS),
        AFTERCALL_DIMENSION_VALUES_PER_DAY: String(VALUES),
      });
    });
    after(() => s?.stop());

    const submit = async (body: Record<string, unknown>) => {
      const response = await fetch(`${s.url}/v1/surveys`, {
        method: "POST",
        headers: { "x-aftercall-key": s.ingestKey, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.ok(response.status === 201 || response.status === 200, await response.clone().text());
      const header = response.headers.get("aftercall-warnings");
      return { status: response.status, warnings: header ? (JSON.parse(header) as Warning[]) : [] };
    };
    const read = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${s.url}/v1/projects/demo/${path}`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
      return (await response.json()) as T;
    };
    const breakdown = async (key: string) => {
      const answer = await read<{ rows: { value: string | null; surveys: number }[] }>(
        `analytics/breakdown?from=2020-01-01T00:00:00Z&by=dimension:${key}`,
      );
      return Object.fromEntries(answer.rows.map((r) => [r.value, r.surveys]));
    };
    /** Until the folder has counted every committed survey into the rollups. */
    const untilFolded = async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { unfoldedSurveys } = await read<{ unfoldedSurveys: number }>("analytics/freshness");
        if (unfoldedSurveys === 0) return;
        assert.ok(Date.now() < deadline, `${unfoldedSurveys} surveys still unfolded`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    type Listed = { items: { id: string; dimensions: Record<string, string> }[] };

    it("stores every survey past a key's daily values, counts its value as (other) and says so", async () => {
      const regions = ["r1", "r2", "r3", "r4", "r5", "r6"];
      const answers = [];
      for (const region of regions) answers.push(await submit(survey({ dimensions: { region } })));
      assert.deepEqual(
        answers.slice(0, VALUES).map((a) => a.warnings),
        Array.from({ length: VALUES }, () => []),
      );
      for (const answer of answers.slice(VALUES)) {
        assert.equal(answer.status, 201);
        assert.deepEqual(
          answer.warnings.map((w) => [w.code, w.field]),
          [["DIMENSION_VALUE_FOLDED", "dimensions.region"]],
        );
        assert.match(answer.warnings[0]?.message ?? "", /\(other\)/);
      }
      // An admitted value stays admitted; a retry of a folded survey replays without folding again.
      assert.deepEqual((await submit(survey({ dimensions: { region: "r1" } }))).warnings, []);
      const folded = survey({ dimensions: { region: "r7" } });
      assert.equal((await submit(folded)).warnings.length, 1);
      assert.deepEqual(await submit(folded), { status: 200, warnings: [] });

      // The same answer from the raw rows (before the folder ran) and from the rollups (after).
      assert.deepEqual(await breakdown("region"), { r1: 2, r2: 1, r3: 1, r4: 1, "(other)": 3 });
      await untilFolded();
      assert.deepEqual(await breakdown("region"), { r1: 2, r2: 1, r3: 1, r4: 1, "(other)": 3 });
      const summary = await read<{ surveys: number }>("analytics/summary?from=2020-01-01T00:00:00Z");
      assert.equal(summary.surveys, 8, "no survey dropped");

      // The "(other)" row drills down to exactly the folded surveys, which keep what they sent.
      const other = await read<Listed>("surveys?dimension.region=(other)");
      assert.deepEqual(other.items.map((i) => i.dimensions.region).sort(), ["r5", "r6", "r7"]);
      const one = await read<Listed>("surveys?dimension.region=r6");
      assert.deepEqual(
        one.items.map((i) => i.dimensions.region),
        ["r6"],
      );
    });

    it("stores a key past the project's distinct keys but leaves it out of the analytics", async () => {
      // region is the first key; two more reach the cap of three.
      assert.deepEqual((await submit(survey({ dimensions: { tier: "pro", room: "a" } }))).warnings, []);
      const past = survey({ dimensions: { tier: "free", shard: "s1" } });
      const answer = await submit(past);
      assert.deepEqual(
        answer.warnings.map((w) => [w.code, w.field]),
        [["DIMENSION_KEY_NOT_ROLLED_UP", "dimensions.shard"]],
      );
      const keys = await read<{ dimensions: { key: string }[] }>(
        "analytics/dimensions?from=2020-01-01T00:00:00Z",
      );
      assert.deepEqual(keys.dimensions.map((d) => d.key).sort(), ["region", "room", "tier"]);
      await untilFolded();
      assert.deepEqual(await breakdown("tier"), { pro: 1, free: 1, null: 8 });
      const stored = await read<Listed>(`surveys?dimension.shard=s1`);
      assert.deepEqual(
        stored.items.map((i) => i.id),
        [past.id],
      );
      assert.deepEqual(stored.items[0]?.dimensions, { tier: "free", shard: "s1" });
    });

    it("answers a batch's warnings per survey", async () => {
      const response = await fetch(`${s.url}/v1/surveys/batch`, {
        method: "POST",
        headers: { "x-aftercall-key": s.ingestKey, "content-type": "application/json" },
        body: JSON.stringify({
          surveys: [survey({ dimensions: { region: "r2" } }), survey({ dimensions: { region: "r8" } })],
        }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { results: { warnings?: Warning[] }[] };
      assert.deepEqual(
        body.results.map((r) => (r.warnings ?? []).map((w) => w.code)),
        [[], ["DIMENSION_VALUE_FOLDED"]],
      );
    });
  });
});
