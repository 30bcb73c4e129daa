// Ad hoc: CPU cost of each ingest stage, in-process, no HTTP.
import { toSurveyRecord, toSurveyResponse, validateSurvey } from "@aftercall/schema";
import { submissionHash } from "../src/store/content-hash.js";
import { surveyToRow } from "../src/store/survey-row.js";
import { SurveyBodies } from "./survey-body.js";

const N = 50000;
const b = new SurveyBodies();
const bodies = Array.from({ length: N }, () => b.next().body);
function time(name: string, fn: (i: number) => unknown) {
  for (let i = 0; i < 5000; i++) fn(i);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  const c = process.cpuUsage(c0);
  const t = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  console.log(name.padEnd(30), `${t.toFixed(2)} µs wall`, `${((c.user + c.system) / N).toFixed(2)} µs cpu`);
}
const parsed = bodies.map((s) => JSON.parse(s));
time("JSON.parse", (i) => JSON.parse(bodies[i]!));
const valid = parsed.map((p) => {
  const r = validateSurvey(p);
  if (!r.ok) throw new Error();
  return r.value;
});
time("validateSurvey", (i) => validateSurvey(parsed[i]));
time("submissionHash", (i) => submissionHash(valid[i]!));
const receivedAt = new Date();
const recs = valid.map((v) => toSurveyRecord(v, { projectId: "demo", receivedAt }));
time("toSurveyRecord", (i) => toSurveyRecord(valid[i]!, { projectId: "demo", receivedAt }));
time("surveyToRow", (i) => surveyToRow(recs[i]!, "x"));
time("toSurveyResponse+stringify", (i) => JSON.stringify(toSurveyResponse(recs[i]!)));
time("randomUUID (genReqId)", () => crypto.randomUUID());
