/**
 * Migrations on every engine: idempotent, and the data survives them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MIGRATIONS } from "../../src/migrations.js";
import { insertProject, listProjects } from "../../src/projects/project-store.js";
import { countSurveys } from "../../src/surveys/survey-reads.js";
import { onEveryEngine } from "../support/engines.js";
import { freshDatabases, project } from "../support/storage-fixtures.js";

onEveryEngine("migrations", (engine, makeDatabase) => {
  describe(`${engine}: migrations`, () => {
    const open = freshDatabases(makeDatabase);

    describe("migrations", () => {
      it("migrate is idempotent and leaves a working store", async () => {
        const db = await open();
        await db.migrate(MIGRATIONS);
        await db.migrate(MIGRATIONS);
        await db.ping();
        await insertProject(db, project("a"));
        await db.migrate(MIGRATIONS);
        assert.equal((await listProjects(db)).length, 1, "migrating again keeps the data");
        assert.equal(await countSurveys(db, "a"), 0);
      });
    });
  });
});
