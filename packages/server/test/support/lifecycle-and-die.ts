/**
 * A lifecycle job that dies mid-transaction: opens the database given on the command line, starts an
 * erasure (of participant `participant-3`) or a retention sweep of project `p`, and kills itself with SIGKILL
 * after the given number of statements inside the transaction. Used by `lifecycle/*.crash.test.ts`.
 *
 * Usage: lifecycle-and-die.ts <sqlite DATA_DIR | postgres URL> <erase | sweep> <statements before the kill> <now ms>
 */
import { erase } from "../../src/lifecycle/erasure.js";
import { sweepBatch } from "../../src/lifecycle/retention.js";
import { openStore } from "../../src/open-store.js";
import { getProject } from "../../src/projects/project-store.js";

const [where, job, killAfter, nowMs] = process.argv.slice(2) as [string, string, string, string];
const db = await openStore(
  where.startsWith("postgres://") ? { engine: "postgres", url: where } : { engine: "sqlite", dataDir: where },
);
const afterStep = (index: number) => {
  if (index + 1 >= Number(killAfter)) process.kill(process.pid, "SIGKILL");
};
if (job === "erase") {
  await erase(
    db,
    {
      projectId: "p",
      selector: "participantId",
      value: "participant-3",
      requestedBy: "test",
      nowMs: Number(nowMs),
    },
    { afterStep },
  );
} else {
  const project = await getProject(db, "p");
  if (!project) throw new Error("no project p");
  await sweepBatch(db, project, Number(nowMs), { afterStep, batchSize: 50 });
}
process.stderr.write(`the ${job} finished without being killed\n`);
process.exit(3);
