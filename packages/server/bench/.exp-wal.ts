import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toSurveyRecord, validateSurvey } from "@aftercall/schema";
import { submissionHash } from "../src/store/content-hash.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { surveyToRow } from "../src/store/survey-row.js";
import { SurveyBodies } from "./survey-body.js";
const B = 31; const total = 62000;
const dir = mkdtempSync(join(tmpdir(), "exp-"));
const store = new SqliteStore(dir); const s = store as any; const db = s.db;
db.pragma("wal_autocheckpoint = 0");
await store.createProject({ id: "demo", name: "d", allowedOrigins: [], requireOverallRating: true, resourceId: "r" });
const b = new SurveyBodies();
const rows = Array.from({ length: total }, () => { const v = validateSurvey(JSON.parse(b.next().body)); if (!v.ok) throw 0; return surveyToRow(toSurveyRecord(v.value, { projectId: "demo", receivedAt: new Date() }), submissionHash(v.value)); });
const tx = db.transaction((rs: any[]) => { for (const r of rs) s.insertSurvey.run(r); });
const wal = join(dir, "aftercall.sqlite-wal");
for (let i = 0; i < total; i += B) {
  if (i % (B * 500) === 0) { db.pragma("wal_checkpoint(TRUNCATE)"); const w0 = statSync(wal).size; tx.immediate(rows.slice(i, i + B)); const w1 = statSync(wal).size; console.log(`after ${i} rows: one ${B}-survey commit wrote ${(w1 - w0) / 1024} KiB to the WAL (${((w1 - w0) / 4120).toFixed(0)} pages)`); }
  else tx.immediate(rows.slice(i, i + B));
}
console.log("db size MiB", (statSync(join(dir, "aftercall.sqlite")).size / 2 ** 20).toFixed(1), "page_size", db.pragma("page_size", { simple: true }));
await store.close(); rmSync(dir, { recursive: true, force: true });
