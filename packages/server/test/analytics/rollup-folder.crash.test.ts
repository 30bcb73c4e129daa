/**
 * A folder killed mid-batch leaves no half state: its fold (every rollup table) and its watermark
 * commit together or not at all. On both engines, a child process starts folding and kills itself with
 * SIGKILL inside the fold's transaction; afterwards nothing of the batch is in the rollups and the
 * watermark has not moved; folding again counts every survey exactly once (rollups equal raw rows).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { RATING_CATEGORIES, type SurveySubmission } from "@aftercall/schema";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { foldProject, rollupLag } from "../../src/analytics/rollup-folder.js";
import { breakdown, summarize } from "../../src/analytics/rollup-query.js";
import { ROLLUP_TABLES } from "../../src/analytics/rollup-tables.js";
import type { Database } from "../../src/store/database.js";
import { onEveryEngine } from "../support/engines.js";
import { seedProject, seedSurveys } from "../support/seed.js";

const DIE = fileURLToPath(new URL("../support/fold-and-die.ts", import.meta.url));
const T0 = Date.parse("2026-11-20T08:00:00.000Z");
const SURVEYS = 1200;

function submissions(): SurveySubmission[] {
  return Array.from({ length: SURVEYS }, (_, i) => ({
    id: crypto.randomUUID(),
    callId: `call-${i}`,
    participantId: `p-${i % 97}`,
    clientTime: new Date(T0).toISOString(),
    appVersion: `1.${i % 4}`,
    dimensions: { region: ["eu", "us", "apac"][i % 3] as string },
    overallRating: { score: (i % 5) + 1 },
    audioRating: { score: ((i * 7) % 5) + 1, issues: i % 3 === 0 ? ["Echo"] : [] },
  }));
}

/** Every row of every rollup table of the project, to see that a killed fold wrote nothing. */
async function rollupRows(db: Database): Promise<number> {
  let n = 0;
  for (const t of ROLLUP_TABLES)
    n += Number(
      (await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${t.name} WHERE project_id = 'p'`))[0]?.n,
    );
  return n;
}

async function foldAndDie(where: string, killAfter: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", DIE, where, "p", String(killAfter)],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  assert.equal(signal, "SIGKILL", `the folder was not killed (exit ${code}): ${stderr}`);
}

onEveryEngine("foldcrash", (engine, makeDatabase) => {
  describe(`${engine}: a folder killed mid-batch`, () => {
    it("leaves the rollups and the watermark untouched, and the next fold counts every survey once", async () => {
      const { db, location, cleanup } = await makeDatabase();
      try {
        await seedProject(db, "p");
        await seedSurveys(db, "p", submissions(), (i) => T0 + i * 3000);
        const where = location.engine === "sqlite" ? location.dataDir : location.url;
        const before = await rollupRows(db);
        for (const killAfter of [1, Math.ceil(ROLLUP_TABLES.length / 2), ROLLUP_TABLES.length]) {
          await foldAndDie(where, killAfter);
          assert.equal(await rollupRows(db), before, `killed after ${killAfter} statements: nothing written`);
          assert.equal((await rollupLag(db)).find((l) => l.projectId === "p")?.unfolded, SURVEYS);
        }
        // PostgreSQL ends a killed client's backend (and its row lock) only once it notices the dead socket,
        // which a loaded machine may take a moment to do: until then the fold finds the project busy.
        let fold = await foldProject(db, "p");
        for (let i = 0; fold.busy && i < 100; i++) {
          await sleep(100);
          fold = await foldProject(db, "p");
        }
        assert.equal(fold.folded, SURVEYS);
        assert.deepEqual(await rollupLag(db), []);
        for (const category of RATING_CATEGORIES.map((c) => c.key)) {
          const query = { fromMs: T0, toMs: T0 + SURVEYS * 3000 };
          assert.deepEqual(
            await summarize(analyticsReads(db, "auto"), "p", query),
            await summarize(analyticsReads(db, "raw"), "p", query),
          );
          for (const by of ["appVersion", "dimension:region"] as const)
            assert.deepEqual(
              sorted(await breakdown(analyticsReads(db, "auto"), "p", query, category, by)),
              sorted(await breakdown(analyticsReads(db, "raw"), "p", query, category, by)),
            );
        }
      } finally {
        await cleanup();
      }
    });
  });
});

const sorted = <T extends { value: string | null }>(rows: T[]) =>
  [...rows].sort((a, b) => String(a.value).localeCompare(String(b.value)));
