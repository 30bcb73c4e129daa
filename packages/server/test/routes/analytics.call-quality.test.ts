/**
 * Call quality over HTTP, on both engines: the band decided at ingest under the project's thresholds,
 * the record, list filter and CSV export carrying the quality fields, and the call-quality analytics
 * against hand-computed expectations — weighted by 1/askProbability — before and after the rollups
 * are folded, and through the raw path (a context filter).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { SurveySubmission } from "@aftercall/schema";
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { wilsonInterval } from "../../src/analytics/statistics.js";
import { CSV_COLUMNS } from "../../src/http/csv-export.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import { startTestApp, type TestProject } from "../support/test-app.js";

const T0 = Date.parse("2026-06-01T10:00:00.000Z");

/** A summary measuring only the path's RTT (p95) and the MOS. */
const quality = (rttP95: number, mos: number) => ({
  durationSeconds: 300,
  mos,
  path: { rttMs: { p50: rttP95 / 2, p95: rttP95 } },
});

/**
 * Seven surveys (overall on the default 1–5 scale, poor ≤ 2). The project moves the RTT poor threshold
 * to 400 ms, so S4 (RTT 450 ms, MOS 3.7: fair under the defaults) is poor.
 */
const DATA: Array<Partial<SurveySubmission> & { band?: string }> = [
  /* S1 */ {
    band: "good",
    callQuality: quality(100, 4.3),
    askProbability: 0.1,
    overallRating: { score: 1 },
    audioRating: { score: 1, issues: ["Echo"] },
  },
  /* S2 */ { band: "good", callQuality: quality(80, 4.3), askProbability: 0.1, overallRating: { score: 5 } },
  /* S3 */ { band: "good", callQuality: quality(50, 4.1), askProbability: 0.5, overallRating: { score: 4 } },
  /* S4 */ {
    band: "poor",
    callQuality: quality(450, 3.7),
    askProbability: 1,
    overallRating: { score: 2 },
    audioRating: { score: 2, issues: ["Echo"] },
    platform: "web",
  },
  /* S5 */ { band: "poor", callQuality: quality(700, 3.4), overallRating: { score: 4 } },
  /* S6 */ { band: "fair", callQuality: quality(350, 3.9), overallRating: { score: 2 } },
  /* S7 */ { overallRating: { score: 3 } },
];

const close = (actual: number, expected: number, where: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${where}: ${actual} ≠ ${expected}`);

function contract(name: string, makeDatabase: MakeDatabase): void {
  describe(`${name}: call quality over HTTP`, () => {
    let t: Awaited<ReturnType<typeof startTestApp>>;
    let p: TestProject;
    let cleanup: () => Promise<void>;
    let clock = T0;
    const ids: string[] = [];

    before(async () => {
      const made = await makeDatabase();
      cleanup = made.cleanup;
      t = await startTestApp({ db: made.db, now: () => new Date(clock) });
      p = await t.addProject({ id: "cq", name: "CQ" });
      const config = await t.app.fastify.inject({
        method: "PUT",
        url: `/v1/projects/${p.id}/config`,
        headers: { authorization: `Bearer ${p.adminToken}` },
        payload: { networkBands: { rttMs: { poor: 400 } } },
      });
      assert.equal(config.statusCode, 200, config.body);
      for (const [i, { band: _, ...fields }] of DATA.entries()) {
        clock = T0 + (i + 1) * 60_000;
        const id = randomUUID();
        ids.push(id);
        const res = await t.app.fastify.inject({
          method: "POST",
          url: "/v1/surveys",
          headers: { authorization: `Bearer ${p.ingestKey}` },
          payload: {
            id,
            callId: `S${i + 1}`,
            participantId: "x",
            clientTime: "2026-06-01T10:00:00Z",
            ...fields,
          },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(async () => {
      await t.close();
      await cleanup();
    });

    const get = (url: string) =>
      t.app.fastify.inject({ method: "GET", url, headers: { authorization: `Bearer ${p.adminToken}` } });

    it("stores the quality with the record: summary, ask probability, band under the project's thresholds", async () => {
      for (const [i, d] of DATA.entries()) {
        const res = await get(`/v1/projects/${p.id}/surveys/${ids[i]}`);
        assert.equal(res.statusCode, 200, res.body);
        const record = res.json();
        assert.equal(record.networkBand, d.band, `S${i + 1}`);
        assert.deepEqual(record.callQuality, d.callQuality, `S${i + 1}`);
        assert.equal(record.askProbability, d.askProbability, `S${i + 1}`);
      }
    });

    it("filters the list by band, and none for surveys without one", async () => {
      const calls = async (band: string) =>
        (await get(`/v1/projects/${p.id}/surveys?networkBand=${band}`))
          .json()
          .items.map((s: { callId: string }) => s.callId)
          .sort();
      assert.deepEqual(await calls("good"), ["S1", "S2", "S3"]);
      assert.deepEqual(await calls("poor"), ["S4", "S5"]);
      assert.deepEqual(await calls("none"), ["S7"]);
      const bad = await get(`/v1/projects/${p.id}/surveys?networkBand=awful`);
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(bad.body, /networkBand/);
    });

    it("exports the quality columns in CSV", async () => {
      const res = await get(`/v1/projects/${p.id}/surveys/export?format=csv&networkBand=poor`);
      assert.equal(res.statusCode, 200, res.body);
      const [header, ...rows] = res.body.trim().split("\r\n");
      assert.deepEqual(header?.split(","), [...CSV_COLUMNS]);
      const at = (c: string) => CSV_COLUMNS.indexOf(c);
      const s4 = rows.map((r) => r.split(",")).find((cells) => cells[3] === "S4") as string[];
      assert.deepEqual(
        [s4[at("networkBand")], s4[at("mos")], s4[at("rttMsP95")], s4[at("askProbability")]],
        ["poor", "3.7", "450", "1"],
      );
    });

    const expectations = async (query = "") => {
      const res = await get(`/v1/projects/${p.id}/analytics/call-quality${query}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      // Weights 1/p: S1, S2 10 each, S3 2, the others 1.
      assert.equal(body.surveys, 7);
      close(body.weightedSurveys, 26, "weighted surveys");
      assert.deepEqual(
        body.bands.map((b: { band: string; surveys: number; weightedSurveys: number }) => [
          b.band,
          b.surveys,
          b.weightedSurveys,
        ]),
        [
          ["good", 3, 22],
          ["fair", 1, 1],
          ["poor", 2, 2],
          ["none", 1, 1],
        ],
      );
      const rate = (category: string, band: string) =>
        body.poorRates.find(
          (r: { category: string; band: string }) => r.category === category && r.band === band,
        );
      // Good network, overall: Σw = 22, Σw·poor = 10 (S1) → 5/11. Σw² = 204, Σw²·poor = 100;
      // Σ w²(y − p̂)² = 100·(1 − 10/11) + (25/121)·204 = 6200/121; V̂ = 3/2 · 6200/121 / 22² = 9300/58564;
      // n* = p̂(1 − p̂)/V̂ = (30/121) / (9300/58564) = 14520/9300.
      const good = rate("overall", "good");
      assert.equal(good.surveys, 3);
      assert.equal(good.poor, 1);
      close(good.rate, 5 / 11, "good rate");
      close(good.effectiveSize, 14520 / 9300, "good n*");
      const [lo, hi] = wilsonInterval((5 / 11) * (14520 / 9300), 14520 / 9300);
      close(good.ci95[0], lo, "good low");
      close(good.ci95[1], hi, "good high");
      // Poor network: S4 poor, S5 not, equal weights: 1/2 with n* = n − 1 = 1.
      const poor = rate("overall", "poor");
      close(poor.rate, 0.5, "poor rate");
      close(poor.effectiveSize, 1, "poor n*");
      // Fair: one poor survey (no variance from one survey: n* is Kish's (Σw)²/Σw² = 1).
      close(rate("overall", "fair").rate, 1, "fair rate");
      close(rate("overall", "none").rate, 0, "none rate");
      // Every survey with a band: Σw = 25, poor 10 + 1 + 1 = 12.
      close(rate("overall", "all").rate, 12 / 25, "all rate");
      const audioGood = rate("audio", "good");
      assert.deepEqual([audioGood.surveys, audioGood.poor], [1, 1]);
      // Poor overall ratings with a band: S1 (good, w 10), S4 (poor, w 1), S6 (fair, w 1).
      assert.equal(body.goodNetwork.poor, 1);
      assert.equal(body.goodNetwork.share.of, 3);
      close(body.goodNetwork.share.rate, 10 / 12, "good share");
      close(body.goodNetwork.poorRate.rate, 5 / 11, "good-network poor-rate");
      assert.deepEqual(body.goodNetwork.tags, [
        { category: "audio", tag: "Echo", count: 1, weightedCount: 10 },
      ]);
      assert.deepEqual(body.tagsByBand, [
        { category: "audio", tag: "Echo", band: "good", count: 1, poorCount: 1, weightedCount: 10 },
        { category: "audio", tag: "Echo", band: "poor", count: 1, poorCount: 1, weightedCount: 1 },
      ]);
      // MOS bins of 0.5: [3, 3.5) S5; [3.5, 4) S4, S6; [4, 4.5) S1, S2, S3 (weighted mean of
      // (score − 1)/4: (10·0 + 10·1 + 2·0.75) / 22).
      const mos = body.mosVsScore.map(
        (m: { mosFrom: number; surveys: number; rate: number; meanNormalizedScore: number }) => [
          m.mosFrom,
          m.surveys,
          m.rate,
          m.meanNormalizedScore,
        ],
      );
      assert.deepEqual(mos.slice(0, 2), [
        [3, 1, 0, 0.75],
        [3.5, 2, 1, 0.25],
      ]);
      assert.deepEqual(mos[2].slice(0, 2), [4, 3]);
      close(mos[2][2], 10 / 22, "bin 8 rate");
      close(mos[2][3], 11.5 / 22, "bin 8 mean");
      assert.deepEqual(
        body.bandMix.map((m: { start: string; band: string; surveys: number }) => [
          m.start,
          m.band,
          m.surveys,
        ]),
        [
          ["2026-06-01T00:00:00.000Z", "good", 3],
          ["2026-06-01T00:00:00.000Z", "fair", 1],
          ["2026-06-01T00:00:00.000Z", "poor", 2],
          ["2026-06-01T00:00:00.000Z", "none", 1],
        ],
      );
    };

    it("answers the hand-computed call-quality analytics with nothing folded", () => expectations());

    it("answers them the same once folded, for whole slots and ragged ranges", async () => {
      await foldProject(t.db, p.id);
      await expectations();
      await expectations("?from=2026-06-01T00:00:00.000Z&to=2026-06-02T00:00:00.000Z");
      await expectations("?from=2026-06-01T10:00:30.000Z&to=2026-06-01T10:30:00.000Z");
    });

    it("filters by band: the summary and call quality see only that band's surveys", async () => {
      const summary = (await get(`/v1/projects/${p.id}/analytics/summary?networkBand=good`)).json();
      assert.deepEqual([summary.surveys, summary.categories.overall.poor], [3, 1]);
      const cq = (await get(`/v1/projects/${p.id}/analytics/call-quality?networkBand=good`)).json();
      assert.deepEqual(
        cq.bands.map((b: { surveys: number }) => b.surveys),
        [3, 0, 0, 0],
      );
      // A context filter is answered from raw rows: S4 only.
      const web = (await get(`/v1/projects/${p.id}/analytics/call-quality?platform=web`)).json();
      assert.deepEqual(
        web.poorRates.map((r: { category: string; band: string; rate: number }) => [
          r.category,
          r.band,
          r.rate,
        ]),
        [
          ["overall", "poor", 1],
          ["overall", "all", 1],
          ["audio", "poor", 1],
          ["audio", "all", 1],
        ],
      );
    });
  });
}

onEveryEngine("call_quality", contract);
