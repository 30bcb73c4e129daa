// Ad hoc: cost of SqliteStore.commitSurveyGroups per batch, FULL vs OFF, by batch size.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toSurveyRecord, validateSurvey } from "@aftercall/schema";
import { submissionHash } from "../src/store/content-hash.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { SurveyBodies } from "./survey-body.js";

const b = new SurveyBodies();
const sync = process.argv[2] ?? "FULL";
const batch = Number(process.argv[3] ?? 50);
const total = Number(process.argv[4] ?? 60000);
const dir = mkdtempSync(join(tmpdir(), "exp-"));
const store = new SqliteStore(dir);
const db = (store as unknown as { db: { pragma(s: string): unknown } }).db;
db.pragma(`synchronous = ${sync}`);
if (process.argv[5]) db.pragma(`wal_autocheckpoint = ${process.argv[5]}`);
if (process.argv[6]) db.pragma(`cache_size = ${process.argv[6]}`);
await store.createProject({
  id: "demo",
  name: "d",
  allowedOrigins: [],
  requireOverallRating: true,
  resourceId: "r",
});
const groups = Array.from({ length: total }, () => {
  const v = validateSurvey(JSON.parse(b.next().body));
  if (!v.ok) throw new Error();
  return [
    {
      record: toSurveyRecord(v.value, { projectId: "demo", receivedAt: new Date() }),
      contentHash: submissionHash(v.value),
    },
  ];
});
let i = 0;
const per: number[] = [];
const cpu: number[] = [];
while (i < total) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await store.commitSurveyGroups(groups.slice(i, i + batch));
  per.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1e3);
  i += batch;
}
const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(p * a.length)]!.toFixed(2);
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
console.log(
  `sync=${sync} batch=${batch}: per commit wall p50 ${q(per, 0.5)} ms p99 ${q(per, 0.99)} ms max ${Math.max(...per).toFixed(1)} ms; mean wall ${(sum(per) / per.length).toFixed(2)} ms, mean cpu ${(sum(cpu) / cpu.length).toFixed(2)} ms; per survey wall ${((sum(per) * 1000) / total).toFixed(1)} µs cpu ${((sum(cpu) * 1000) / total).toFixed(1)} µs; ${(total / (sum(per) / 1000)).toFixed(0)} surveys/s`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
