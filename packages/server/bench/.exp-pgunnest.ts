import { spawnSync } from "node:child_process";
import postgres from "postgres";
import { toSurveyRecord, validateSurvey } from "@aftercall/schema";
import { submissionHash } from "../src/store/content-hash.js";
import { openStore } from "../src/store/open-store.js";
import { SURVEY_COLUMNS, surveyToRow } from "../src/store/survey-row.js";
import { startPostgres } from "../test/support/postgres.js";
import { SurveyBodies } from "./survey-body.js";
spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)]);
const pg = await startPostgres();
try {
  const store = await openStore({ engine: "postgres", url: pg.url });
  await store.createProject({ id: "demo", name: "d", allowedOrigins: [], requireOverallRating: true, resourceId: "r" });
  const sql = postgres(pg.url, { max: 4, onnotice: () => {} });
  const cols = await sql`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'surveys'`;
  const type = new Map(cols.map((c) => [c.column_name, c.data_type]));
  const pgType = (c: string) => ({ text: "text", integer: "int4", bigint: "int8" })[type.get(c) as string]!;
  const oid = (c: string) => ({ text: 25, int4: 23, int8: 20 })[pgType(c)]!;
  const text = `INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")}) SELECT * FROM unnest(${SURVEY_COLUMNS.map((c, i) => `$${i + 1}::${pgType(c)}[]`).join(", ")}) ON CONFLICT (project_id, id) DO NOTHING RETURNING id`;
  const b = new SurveyBodies();
  const mk = () => { const v = validateSurvey(JSON.parse(b.next().body)); if (!v.ok) throw 0; return { record: toSurveyRecord(v.value, { projectId: "demo", receivedAt: new Date() }), contentHash: submissionHash(v.value) }; };
  const B = 25;
  for (const mode of ["current", "unnest", "current", "unnest"]) {
    const end = Date.now() + 4000; let n = 0; const c0 = process.cpuUsage();
    while (Date.now() < end) {
      const batch = Array.from({ length: B }, mk);
      if (mode === "current") await store.commitSurveyGroups(batch.map((p) => [p]));
      else {
        const rows = batch.map((p) => surveyToRow(p.record, p.contentHash));
        const params = SURVEY_COLUMNS.map((c) => sql.array(rows.map((r) => r[c] ?? null) as never, oid(c)));
        const ret = await sql.unsafe(text, params as never, { prepare: true });
        if (ret.length !== B) throw new Error("conflict");
      }
      n += B;
    }
    const c = process.cpuUsage(c0);
    console.log(`${mode}: ${(n / 4).toFixed(0)} surveys/s, node CPU ${((c.user + c.system) / n).toFixed(0)} µs/survey (incl. ~20 µs building)`);
  }
  await sql.end(); await store.close();
} finally { await pg.stop(); }
