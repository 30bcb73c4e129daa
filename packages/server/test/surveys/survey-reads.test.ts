/**
 * Reading stored surveys on every engine: the list (keyset pages, filters) and the export.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SurveyRecord, VideoIssue } from "@aftercall/schema";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import type { PendingSurvey, SurveyGroup } from "../../src/ingest/pending-survey.js";
import type { Database } from "../../src/store/database.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";
import { countSurveys, exportSurveys, listSurveys } from "../../src/surveys/survey-reads.js";
import { onEveryEngine } from "../support/engines.js";
import {
  byId,
  collect,
  commitAll,
  commitOne,
  freshDatabases,
  ids,
  listAll,
  ms,
  newestFirst,
  oldestFirst,
  pending,
  SECOND,
  submission,
  T0,
} from "../support/storage-fixtures.js";

onEveryEngine("surveyreads", (engine, makeDatabase) => {
  describe(`${engine}: listing and exporting surveys`, () => {
    const open = freshDatabases(makeDatabase);

    describe("listSurveys", () => {
      /** 25 surveys, three per second so that receivedAt ties are broken by id, committed in shuffled order. */
      async function seed25(db: Database): Promise<SurveyRecord[]> {
        const surveys = Array.from({ length: 25 }, (_, i) =>
          pending(submission(), "a", T0 + Math.floor(i / 3) * SECOND),
        );
        await commitAll(db, [...surveys].reverse());
        return surveys.map((s) => s.record).sort(newestFirst);
      }

      it("pages newest first, covering every survey exactly once", async () => {
        const db = await open("a");
        const expected = await seed25(db);

        const { pages, items } = await listAll(db, "a", {}, 10);
        assert.deepEqual(
          pages.map((p) => p.length),
          [10, 10, 5],
        );
        assert.deepEqual(ids(items), ids(expected));
        assert.deepEqual(items, expected);

        const byFive = await listAll(db, "a", {}, 5);
        assert.deepEqual(
          byFive.pages.map((p) => p.length),
          [5, 5, 5, 5, 5],
          "no empty page after an exact fit",
        );
        assert.deepEqual(ids(byFive.items), ids(expected));

        const one = await listSurveys(db, "a", {}, { limit: 25 });
        assert.equal(one.items.length, 25);
        assert.equal(one.nextCursor, undefined);
        assert.deepEqual(ids((await listAll(db, "a", {}, 1)).items), ids(expected));
      });

      it("filters by receivedAt: fromMs inclusive, toMs exclusive", async () => {
        const db = await open("a");
        const expected = await seed25(db);
        const from = T0 + 2 * SECOND;
        const to = T0 + 5 * SECOND;
        const within = (lo: number, hi: number) => expected.filter((r) => ms(r) >= lo && ms(r) < hi);

        assert.deepEqual((await listAll(db, "a", { fromMs: from }, 4)).items, within(from, Infinity));
        assert.deepEqual((await listAll(db, "a", { toMs: to }, 4)).items, within(-Infinity, to));
        const both = (await listAll(db, "a", { fromMs: from, toMs: to }, 4)).items;
        assert.deepEqual(both, within(from, to));
        assert.equal(both.length, 9, "three seconds of three surveys");
        assert.deepEqual((await listSurveys(db, "a", { fromMs: to, toMs: to }, { limit: 10 })).items, []);
      });

      it("filters by poor rating in any of the given categories", async () => {
        const db = await open("a");
        const poorOverall = pending(submission({ overallRating: { score: 1 } }), "a", T0);
        const poorAudio = pending(submission({ audioRating: { score: 2 } }), "a", T0 + SECOND);
        const poorVideo = pending(
          submission({
            videoRating: { score: 30, scale: { lowerBound: 0, upperBound: 100, lowScoreThreshold: 40 } },
          }),
          "a",
          T0 + 2 * SECOND,
        );
        const fine = pending(
          submission({ audioRating: { score: 3 }, videoRating: { score: 5 } }),
          "a",
          T0 + 3 * SECOND,
        );
        const unrated = pending(submission({ overallRating: { score: 5 } }), "a", T0 + 4 * SECOND);
        await commitAll(db, [poorOverall, poorAudio, poorVideo, fine, unrated]);
        const list = async (query: SurveyQuery) =>
          ids((await listSurveys(db, "a", query, { limit: 100 })).items);

        assert.deepEqual(await list({ poor: ["audio"] }), [poorAudio.record.id]);
        assert.deepEqual(await list({ poor: ["audio", "video"] }), [
          poorVideo.record.id,
          poorAudio.record.id,
        ]);
        assert.deepEqual(await list({ poor: ["overall"] }), [poorOverall.record.id]);
        assert.deepEqual(await list({ poor: ["screenshare"] }), []);
        assert.equal((await list({ poor: [] })).length, 5, "an empty list does not filter");
        assert.deepEqual(
          ids(await collect(exportSurveys(db, "a", { poor: ["overall", "audio", "video"] }))),
          [poorOverall, poorAudio, poorVideo].map((s) => s.record.id),
        );
      });

      it("filters by exact issue tag within its category", async () => {
        const db = await open("a");
        const at = (i: number) => T0 + i * SECOND;
        const low = pending(submission({ videoRating: { score: 2, issues: ["LowQuality"] } }), "a", at(0));
        const lowX = pending(
          submission({ videoRating: { score: 2, issues: ["LowQualityX" as VideoIssue] } }),
          "a",
          at(1),
        );
        const lowLast = pending(
          submission({ videoRating: { score: 2, issues: ["Freezes", "LowQuality"] } }),
          "a",
          at(2),
        );
        const lowMiddle = pending(
          submission({ videoRating: { score: 1, issues: ["NoVideoSent", "LowQuality", "Freezes"] } }),
          "a",
          at(3),
        );
        const shareFreezes = pending(
          submission({ screenshareRating: { score: 1, issues: ["Freezes"] } }),
          "a",
          at(4),
        );
        const shareLowVideoFreezes = pending(
          submission({
            screenshareRating: { score: 1, issues: ["LowQuality"] },
            videoRating: { score: 1, issues: ["Freezes"] },
          }),
          "a",
          at(5),
        );
        const noTags = pending(submission({ videoRating: { score: 5 } }), "a", at(6));
        await commitAll(db, [low, lowX, lowLast, lowMiddle, shareFreezes, shareLowVideoFreezes, noTags]);
        const list = async (query: SurveyQuery) => ids((await listAll(db, "a", query, 2)).items);
        const newest = (...surveys: PendingSurvey[]) => ids(surveys.map((s) => s.record).sort(newestFirst));

        assert.deepEqual(
          await list({ tag: { category: "video", tag: "LowQuality" } }),
          newest(low, lowLast, lowMiddle),
        );
        // Only catalogue tags can be asked for, so LIKE wildcards or near-miss names never match.
        await assert.rejects(
          () => list({ tag: { category: "video", tag: "LowQualityX" } }),
          /not an issue tag of category video/,
        );
        assert.deepEqual(
          await list({ tag: { category: "video", tag: "Freezes" } }),
          newest(lowLast, lowMiddle, shareLowVideoFreezes),
        );
        assert.deepEqual(
          await list({ tag: { category: "screenshare", tag: "Freezes" } }),
          newest(shareFreezes),
        );
        assert.deepEqual(
          await list({ tag: { category: "screenshare", tag: "LowQuality" } }),
          newest(shareLowVideoFreezes),
        );
        await assert.rejects(
          () => list({ tag: { category: "video", tag: "Low%" } }),
          /not an issue tag of category video/,
        );
        assert.deepEqual(await list({ tag: { category: "video", tag: "NoVideoReceived" } }), []);
        await assert.rejects(
          () => list({ tag: { category: "audio", tag: "LowQuality" } }),
          /not an issue tag of category audio/,
        );
        assert.deepEqual(
          ids(await collect(exportSurveys(db, "a", { tag: { category: "video", tag: "LowQuality" } }))),
          ids([low, lowLast, lowMiddle].map((s) => s.record)),
        );
      });

      it("rejects an unknown rating category", async () => {
        const db = await open("a");
        await assert.rejects(
          listSurveys(db, "a", { poor: ["overall; DROP TABLE surveys" as "overall"] }, { limit: 1 }),
          RangeError,
        );
      });

      it("filters by callId and participantId, combined with AND", async () => {
        const db = await open("a");
        const s1 = pending(submission({ callId: "call-x", participantId: "alice" }), "a", T0);
        const s2 = pending(
          submission({ callId: "call-x", participantId: "bob", audioRating: { score: 1 } }),
          "a",
          T0 + SECOND,
        );
        const s3 = pending(submission({ callId: "call-y", participantId: "alice" }), "a", T0 + 2 * SECOND);
        const s4 = pending(
          submission({ callId: "call-x-2", participantId: "alice-2" }),
          "a",
          T0 + 3 * SECOND,
        );
        await commitAll(db, [s1, s2, s3, s4]);
        const list = async (query: SurveyQuery) =>
          ids((await listSurveys(db, "a", query, { limit: 100 })).items);

        assert.deepEqual(await list({ callId: "call-x" }), [s2.record.id, s1.record.id]);
        assert.deepEqual(await list({ participantId: "alice" }), [s3.record.id, s1.record.id]);
        assert.deepEqual(await list({ callId: "call-x", participantId: "alice" }), [s1.record.id]);
        assert.deepEqual(await list({ callId: "call-x", poor: ["audio"] }), [s2.record.id]);
        assert.deepEqual(await list({ callId: "call-x", fromMs: T0 + SECOND }), [s2.record.id]);
        assert.deepEqual(await list({ callId: "call-y", participantId: "bob" }), []);
        assert.deepEqual(await list({ callId: "call" }), [], "exact match, not prefix");
      });
    });

    describe("exportSurveys", () => {
      it("yields every matching survey oldest first, across chunk boundaries", async () => {
        const db = await open("a", "b");
        const count = 2345;
        // Seven surveys per millisecond, so chunk boundaries fall inside receivedAt ties; every third is poor.
        const surveys = Array.from({ length: count }, (_, i) =>
          pending(submission({ audioRating: { score: i % 3 === 0 ? 1 : 4 } }), "a", T0 + Math.floor(i / 7)),
        );
        const shuffled = [...surveys].sort((x, y) => byId(x.contentHash, y.contentHash));
        // One commit of more than 1000 surveys, in batches of 500 like the batch endpoint.
        const groups: SurveyGroup[] = [];
        for (let i = 0; i < shuffled.length; i += 500) groups.push(shuffled.slice(i, i + 500));
        const outcomes = await commitSurveyGroups(db, groups);
        assert.equal(outcomes.length, 5);
        assert.ok(outcomes.every((o) => o.status === "committed" && o.surveys.every((s) => s.created)));
        await commitOne(db, pending(submission(), "b", T0));

        assert.equal(await countSurveys(db, "a"), count);
        const expected = surveys.map((s) => s.record).sort(oldestFirst);
        const exported = await collect(exportSurveys(db, "a", {}));
        assert.equal(exported.length, count);
        assert.deepEqual(ids(exported), ids(expected));
        assert.deepEqual(exported, expected);

        const poor = await collect(exportSurveys(db, "a", { poor: ["audio"] }));
        assert.deepEqual(ids(poor), ids(expected.filter((r) => r.ratings.audio?.poor)));
        assert.equal(poor.length, Math.ceil(count / 3));

        const window = await collect(exportSurveys(db, "a", { fromMs: T0 + 100, toMs: T0 + 250 }));
        assert.deepEqual(ids(window), ids(expected.filter((r) => ms(r) >= T0 + 100 && ms(r) < T0 + 250)));

        const listed = await listAll(db, "a", {}, 1000);
        assert.deepEqual(
          listed.pages.map((p) => p.length),
          [1000, 1000, 345],
        );
        assert.deepEqual(ids(listed.items), ids([...expected].reverse()));
      });

      it("yields nothing for a project without surveys", async () => {
        const db = await open("a");
        assert.deepEqual(await collect(exportSurveys(db, "a", {})), []);
        assert.deepEqual(await listSurveys(db, "a", {}, { limit: 10 }), { items: [] });
      });
    });
  });
});
