import { spawnSync } from "node:child_process";
import { toSurveyRecord, validateSurvey } from "@aftercall/schema";
import { submissionHash } from "../src/store/content-hash.js";
import { openStore } from "../src/store/open-store.js";
import { startPostgres } from "../test/support/postgres.js";
import { SurveyBodies } from "./survey-body.js";
spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)]);
const pg = await startPostgres();
try {
  const store = await openStore({ engine: "postgres", url: pg.url });
  await store.createProject({ id: "demo", name: "d", allowedOrigins: [], requireOverallRating: true, resourceId: "r" });
  const b = new SurveyBodies();
  const mk = () => { const v = validateSurvey(JSON.parse(b.next().body)); if (!v.ok) throw 0; return [{ record: toSurveyRecord(v.value, { projectId: "demo", receivedAt: new Date() }), contentHash: submissionHash(v.value) }]; };
  for (const K of [1, 2, 4, 1]) {
    const B = 25; const end = Date.now() + 4000; let n = 0; const c0 = process.cpuUsage();
    await Promise.all(Array.from({ length: K }, async () => { while (Date.now() < end) { const groups = Array.from({ length: B }, mk); await store.commitSurveyGroups(groups); n += B; } }));
    const c = process.cpuUsage(c0);
    console.log(`K=${K} concurrent commits of ${B}: ${(n / 4).toFixed(0)} surveys/s, node CPU ${((c.user + c.system) / n).toFixed(0)} µs/survey (incl. building)`);
  }
  await store.close();
} finally { await pg.stop(); }
