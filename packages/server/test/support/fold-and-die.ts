/**
 * A folder that dies mid-fold: opens the database given on the command line, starts folding one project
 * and kills itself with SIGKILL after the given number of rollup statements, inside the fold's
 * transaction. Used by `analytics/rollup-folder.crash.test.ts`.
 *
 * Usage: fold-and-die.ts <sqlite DATA_DIR | postgres URL> <project> <statements before the kill>
 */
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { openStore } from "../../src/open-store.js";

const [where, projectId, killAfter] = process.argv.slice(2) as [string, string, string];
const db = await openStore(
  where.startsWith("postgres://") ? { engine: "postgres", url: where } : { engine: "sqlite", dataDir: where },
);
await foldProject(db, projectId, {
  afterStatement(index) {
    if (index + 1 >= Number(killAfter)) process.kill(process.pid, "SIGKILL");
  },
});
process.stderr.write("the fold finished without being killed\n");
process.exit(3);
