/**
 * Committing surveys on every engine: durable, idempotent per id and content, all or nothing per group.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { DEFAULT_SCALE, type SurveySubmission } from "@aftercall/schema";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import type { PendingSurvey } from "../../src/ingest/pending-survey.js";
import { countSurveys, exportSurveys, getSurvey, listSurveys } from "../../src/surveys/survey-reads.js";
import { onEveryEngine } from "../support/engines.js";
import {
  collect,
  commitAll,
  commitOne,
  committed,
  freshDatabases,
  pending,
  SECOND,
  submission,
  T0,
} from "../support/storage-fixtures.js";

onEveryEngine("commit", (engine, makeDatabase) => {
  describe(`${engine}: committing surveys`, () => {
    const open = freshDatabases(makeDatabase);

    describe("commitSurveyGroups", () => {
      it("stores a new survey and reads back the same record", async () => {
        const db = await open("a");
        const sub = submission({
          appVersion: "3.2.1",
          platform: "web",
          browser: "Firefox 140",
          sdkVersion: "0.1.0",
          dimensions: { region: "eu-west", tier: "pro" },
          overallRating: {
            score: 2,
            issues: ["HadToRejoin", "OtherIssues"],
            improvementSuggestion: "Fewer drops, please.",
          },
          audioRating: { score: 5 },
          videoRating: { score: 1, issues: ["Freezes"] },
          screenshareRating: { score: 3, issues: [], improvementSuggestion: "" },
        });
        const survey = pending(sub, "a", T0);
        const outcomes = await commitSurveyGroups(db, [[survey]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: true, record: survey.record }] },
        ]);
        assert.deepEqual(await getSurvey(db, "a", sub.id), survey.record);
        assert.equal(await countSurveys(db, "a"), 1);
        assert.equal(await getSurvey(db, "a", randomUUID()), undefined);
      });

      it("answers a retry with the same content from the original record", async () => {
        const db = await open("a");
        const sub = submission({ audioRating: { score: 2, issues: ["Echo"] } });
        const first = pending(sub, "a", T0);
        assert.deepEqual(await commitOne(db, first), { created: true, record: first.record });

        const retry = await commitOne(db, pending(sub, "a", T0 + 60 * SECOND));
        assert.deepEqual(retry, { created: false, record: first.record });
        assert.equal(retry.record.receivedAt, new Date(T0).toISOString(), "the original receivedAt is kept");

        // The same content spelled differently (explicit default scale, empty lists) is still a retry.
        const respelled: SurveySubmission = {
          ...sub,
          overallRating: { score: 4, scale: { ...DEFAULT_SCALE }, issues: [] },
          dimensions: {},
        };
        assert.equal(submissionHash(respelled), submissionHash(sub));
        assert.deepEqual(await commitOne(db, pending(respelled, "a", T0 + 120 * SECOND)), {
          created: false,
          record: first.record,
        });
        assert.deepEqual(await getSurvey(db, "a", sub.id), first.record);
        assert.equal(await countSurveys(db, "a"), 1);
      });

      it("refuses the same id with other content and writes nothing of that group", async () => {
        const db = await open("a");
        const original = submission({ overallRating: { score: 5 } });
        const stored = pending(original, "a", T0);
        await commitOne(db, stored);

        const changed = pending({ ...original, overallRating: { score: 1 } }, "a", T0 + SECOND);
        const before = pending(submission(), "a", T0 + SECOND);
        const behind = pending(submission(), "a", T0 + SECOND);
        const independent = pending(submission(), "a", T0 + SECOND);
        const outcomes = await commitSurveyGroups(db, [[before, changed, behind], [independent]]);

        assert.deepEqual(outcomes[0], { status: "conflict", conflictingIds: [original.id] });
        assert.deepEqual(outcomes[1], {
          status: "committed",
          surveys: [{ created: true, record: independent.record }],
        });
        assert.equal(
          await getSurvey(db, "a", before.record.id),
          undefined,
          "nothing of a conflicting group is written",
        );
        assert.equal(
          await getSurvey(db, "a", behind.record.id),
          undefined,
          "nothing of a conflicting group is written",
        );
        assert.deepEqual(
          await getSurvey(db, "a", original.id),
          stored.record,
          "the stored survey is unchanged",
        );
        assert.deepEqual(await getSurvey(db, "a", independent.record.id), independent.record);
        assert.equal(await countSurveys(db, "a"), 2);
      });

      it("stores an id repeated across the groups of one commit once", async () => {
        const db = await open("a");
        const sub = submission();
        const first = pending(sub, "a", T0);
        const again = pending(sub, "a", T0 + SECOND);
        const other = pending(submission(), "a", T0 + SECOND);
        const outcomes = await commitSurveyGroups(db, [[first], [again, other]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: true, record: first.record }] },
          {
            status: "committed",
            surveys: [
              { created: false, record: first.record },
              { created: true, record: other.record },
            ],
          },
        ]);
        assert.equal(await countSurveys(db, "a"), 2);
        assert.deepEqual(await getSurvey(db, "a", sub.id), first.record);
      });

      it("stores an id repeated inside one group once", async () => {
        const db = await open("a");
        const survey = pending(submission(), "a", T0);
        const outcomes = await commitSurveyGroups(db, [[survey, survey]]);
        assert.deepEqual(outcomes, [
          {
            status: "committed",
            surveys: [
              { created: true, record: survey.record },
              { created: false, record: survey.record },
            ],
          },
        ]);
        assert.equal(await countSurveys(db, "a"), 1);
      });

      it("answers retries and stores new surveys in the same commit", async () => {
        const db = await open("a");
        const stored = [pending(submission(), "a", T0), pending(submission(), "a", T0)];
        await commitAll(db, stored);
        const [one, two] = stored as [PendingSurvey, PendingSurvey];
        const fresh = [pending(submission(), "a", T0 + SECOND), pending(submission(), "a", T0 + SECOND)];
        const [x, y] = fresh as [PendingSurvey, PendingSurvey];
        const retryOne = {
          ...one,
          record: { ...one.record, receivedAt: new Date(T0 + SECOND).toISOString() },
        };
        const retryTwo = {
          ...two,
          record: { ...two.record, receivedAt: new Date(T0 + SECOND).toISOString() },
        };
        const outcomes = await commitSurveyGroups(db, [[retryOne], [x], [y, retryTwo]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: false, record: one.record }] },
          { status: "committed", surveys: [{ created: true, record: x.record }] },
          {
            status: "committed",
            surveys: [
              { created: true, record: y.record },
              { created: false, record: two.record },
            ],
          },
        ]);
        assert.equal(await countSurveys(db, "a"), 4);
        assert.deepEqual(await getSurvey(db, "a", one.record.id), one.record);
        assert.deepEqual(await getSurvey(db, "a", y.record.id), y.record);
        // One outbox entry per stored survey: the first try of a commit with retries in it (PostgreSQL's
        // one-statement commit of all-new surveys) left nothing behind when it found stored ones.
        const logged = await db.all<{ item_id: string }>(
          "SELECT item_id FROM delivery_log WHERE project_id = ? AND category = 'CallSurvey' ORDER BY item_id",
          ["a"],
        );
        assert.deepEqual(
          logged.map((row) => row.item_id),
          [one, two, x, y].map((p) => p.record.id).sort(),
        );
      });

      it("round-trips text with quotes, backslashes, braces, commas, NULL and empty strings", async () => {
        const db = await open("a");
        const awkward = [
          'say "hi"',
          "back\\slash \\",
          "{braces}, {a,b}",
          "NULL",
          "null",
          "",
          " ",
          "line\nbreak\ttab\r",
          "Écho, «latence» — 🎧 ١٢٣",
          "'single' quotes; -- not a comment",
        ];
        const subs = awkward.map((text, i) =>
          submission({
            callId: text || "call",
            participantId: `${text}-${i}`,
            appVersion: text,
            overallRating: { score: 3, improvementSuggestion: text },
            dimensions: { note: text, "k.2": `${text}"` },
          }),
        );
        const surveys = subs.map((sub) => pending(sub, "a", T0));
        await commitAll(db, surveys);
        for (const survey of surveys) {
          assert.deepEqual(await getSurvey(db, "a", survey.record.id), survey.record);
        }
        // And a retry of each is recognised as the same content.
        const outcomes = await commitSurveyGroups(
          db,
          subs.map((sub) => [pending(sub, "a", T0 + SECOND)]),
        );
        for (const [i, outcome] of outcomes.entries()) {
          assert.deepEqual(committed(outcome), [{ created: false, record: surveys[i]?.record }]);
        }
      });

      it("makes a later group of the same commit a conflict when it changes an earlier group's survey", async () => {
        const db = await open("a");
        const sub = submission({ overallRating: { score: 3 } });
        const first = pending(sub, "a", T0);
        const changed = pending({ ...sub, overallRating: { score: 2 } }, "a", T0);
        const companion = pending(submission(), "a", T0);
        const outcomes = await commitSurveyGroups(db, [[first], [companion, changed]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: true, record: first.record }] },
          { status: "conflict", conflictingIds: [sub.id] },
        ]);
        assert.deepEqual(await getSurvey(db, "a", sub.id), first.record);
        assert.equal(await getSurvey(db, "a", companion.record.id), undefined);
        assert.equal(await countSurveys(db, "a"), 1);
      });

      it("commits nothing when a survey names an unknown project", async () => {
        const db = await open("a");
        const good = pending(submission(), "a", T0);
        const orphan = pending(submission(), "missing-project", T0);
        await assert.rejects(commitSurveyGroups(db, [[good], [orphan]]));
        assert.equal(await countSurveys(db, "a"), 0, "the commit is one transaction");
        assert.equal(await getSurvey(db, "a", good.record.id), undefined);
      });

      it("accepts empty commits and empty groups", async () => {
        const db = await open("a");
        assert.deepEqual(await commitSurveyGroups(db, []), []);
        assert.deepEqual(await commitSurveyGroups(db, [[]]), [{ status: "committed", surveys: [] }]);
        assert.equal(await countSurveys(db, "a"), 0);
      });

      it("keeps the surveys of each project apart, allowing the same id in both", async () => {
        const db = await open("a", "b");
        const shared = submission();
        const inA = pending(shared, "a", T0);
        const inB = pending({ ...shared, overallRating: { score: 1 } }, "b", T0 + SECOND);
        const onlyA = pending(submission(), "a", T0 + 2 * SECOND);
        assert.equal((await commitOne(db, inA)).created, true);
        assert.equal(
          (await commitOne(db, inB)).created,
          true,
          "the same id in another project is no conflict",
        );
        await commitOne(db, onlyA);

        assert.deepEqual(await getSurvey(db, "a", shared.id), inA.record);
        assert.deepEqual(await getSurvey(db, "b", shared.id), inB.record);
        assert.equal(await getSurvey(db, "b", onlyA.record.id), undefined);
        assert.equal(await countSurveys(db, "a"), 2);
        assert.equal(await countSurveys(db, "b"), 1);
        assert.equal(await countSurveys(db, "nope"), 0);
        assert.deepEqual((await listSurveys(db, "b", {}, { limit: 10 })).items, [inB.record]);
        assert.deepEqual((await listSurveys(db, "a", {}, { limit: 10 })).items, [onlyA.record, inA.record]);
        assert.deepEqual(await collect(exportSurveys(db, "b", {})), [inB.record]);
        assert.deepEqual((await listSurveys(db, "nope", {}, { limit: 10 })).items, []);
      });

      it("round-trips mixed custom scales", async () => {
        const db = await open("a");
        const sub = submission({
          overallRating: { score: 7, scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 } },
          audioRating: { score: 0, scale: { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 } },
          videoRating: { score: 100, scale: { lowerBound: 0, upperBound: 100, lowScoreThreshold: 50 } },
          screenshareRating: { score: 50, scale: { lowerBound: 0, upperBound: 100, lowScoreThreshold: 50 } },
        });
        const survey = pending(sub, "a", T0);
        await commitOne(db, survey);
        const stored = await getSurvey(db, "a", sub.id);
        assert.deepEqual(stored, survey.record);
        assert.deepEqual(stored?.ratings.overall, {
          score: 7,
          scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 },
          issues: [],
          normalizedScore: 0.7,
          poor: false,
        });
        assert.equal(stored?.ratings.audio?.poor, true);
        assert.equal(stored?.ratings.audio?.normalizedScore, 0);
        assert.equal(stored?.ratings.video?.normalizedScore, 1);
        assert.equal(stored?.ratings.screenshare?.poor, true, "at the threshold is poor");
        assert.deepEqual((await listSurveys(db, "a", {}, { limit: 1 })).items, [survey.record]);
        assert.deepEqual(await collect(exportSurveys(db, "a", {})), [survey.record]);
        assert.deepEqual(await collect(exportSurveys(db, "a", { poor: ["audio"] })), [survey.record]);
        assert.deepEqual(await collect(exportSurveys(db, "a", { poor: ["overall", "video"] })), []);
      });
    });
  });
});
