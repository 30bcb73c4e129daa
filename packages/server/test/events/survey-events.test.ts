/**
 * Survey lifecycle events on every engine: stored once per id, counted by type and time.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { countEvents, recordEvents } from "../../src/events/survey-events.js";
import { onEveryEngine } from "../support/engines.js";
import { freshDatabases } from "../support/storage-fixtures.js";

onEveryEngine("events", (engine, makeDatabase) => {
  describe(`${engine}: lifecycle events`, () => {
    const open = freshDatabases(makeDatabase);

    describe("lifecycle events", () => {
      const event = (type: "shown" | "dismissed" | "submitted") => ({
        id: randomUUID(),
        type,
        callId: "c",
        participantId: "p",
        clientTime: "2026-11-01T00:00:00Z",
        ...(type === "submitted" ? { surveyId: randomUUID() } : {}),
      });

      it("stores events once per id and counts them by type and time", async () => {
        const db = await open("a", "b");
        const shown = [event("shown"), event("shown"), event("shown")];
        assert.equal(await recordEvents(db, "a", [...shown, event("submitted")], 1_000), 4);
        assert.equal(
          await recordEvents(db, "a", [shown[0] as (typeof shown)[number], event("dismissed")], 2_000),
          1,
        );
        assert.deepEqual(await countEvents(db, "a"), { shown: 3, dismissed: 1, submitted: 1 });
        assert.deepEqual(await countEvents(db, "a", { fromMs: 1_500 }), {
          shown: 0,
          dismissed: 1,
          submitted: 0,
        });
        assert.deepEqual(await countEvents(db, "a", { toMs: 1_500 }), {
          shown: 3,
          dismissed: 0,
          submitted: 1,
        });
        assert.deepEqual(await countEvents(db, "b"), { shown: 0, dismissed: 0, submitted: 0 });
        // The same event id in another project is another event.
        assert.equal(await recordEvents(db, "b", shown, 3_000), 3);
      });
    });
  });
});
