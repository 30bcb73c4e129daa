import { createInterface } from "node:readline";
import { type SurveyRecord, toAcsCallSurveyRow, validateSurvey } from "@aftercall/schema";
import { commitSurveyGroups } from "../ingest/commit.js";
import { type PendingSurvey, toPendingSurvey } from "../ingest/pending-survey.js";
import { redactorOf } from "../ingest/redaction.js";
import type { Project } from "../projects/project.js";
import type { Database } from "../store/database.js";
import { getSurvey } from "../surveys/survey-reads.js";
import { readImportLine } from "./import-lines.js";

export interface ImportReport {
  created: number;
  duplicates: number;
  conflicts: number;
  /**
   * Of the conflicts, those whose stored survey has the same ids, ratings, scales and tags, and lacks
   * only what ACS-format records do not carry (free text, dimensions, app context, client time): what an
   * earlier import of ACS records leaves behind.
   */
  conflictsWithAcsImport: number;
  invalid: number;
}

/** Whether two records agree in everything an ACS-format record carries (its time aside). */
function sameInAcsFields(a: SurveyRecord, b: SurveyRecord): boolean {
  const { TimeGenerated: _a, ...rowA } = toAcsCallSurveyRow(a);
  const { TimeGenerated: _b, ...rowB } = toAcsCallSurveyRow(b);
  return JSON.stringify(rowA) === JSON.stringify(rowB);
}

const CHUNK = 500;

/**
 * Import NDJSON surveys into a project. Every line is validated like an HTTP submission; valid lines are
 * committed in chunks, each survey on its own so one conflict does not hold back the others. Importing
 * the same file twice stores nothing twice. Problems are reported per line through `report`.
 */
export async function importSurveys(
  db: Database,
  project: Project,
  input: NodeJS.ReadableStream,
  report: (line: number, message: string) => void,
): Promise<ImportReport> {
  const totals: ImportReport = {
    created: 0,
    duplicates: 0,
    conflicts: 0,
    conflictsWithAcsImport: 0,
    invalid: 0,
  };
  let chunk: Array<{ line: number; pending: PendingSurvey; lossy: boolean }> = [];
  const conflict = async (line: number, record: SurveyRecord) => {
    totals.conflicts++;
    const stored = await getSurvey(db, project.id, record.id);
    if (stored && sameInAcsFields(stored, record)) {
      totals.conflictsWithAcsImport++;
      report(
        line,
        `SURVEY_CONFLICT: survey ${record.id} is stored with the same ratings and tags but not this line's free text, dimensions, app context or client time (as an import of ACS-format records leaves it); not replaced`,
      );
    } else report(line, `SURVEY_CONFLICT: survey ${record.id} already exists with different content`);
  };
  const flush = async () => {
    if (chunk.length === 0) return;
    const outcomes = await commitSurveyGroups(
      db,
      chunk.map((c) => [c.pending]),
    );
    for (const [i, outcome] of outcomes.entries()) {
      const { line, pending, lossy } = chunk[i] as (typeof chunk)[number];
      if (outcome.status === "conflict" && lossy) totals.duplicates++;
      else if (outcome.status === "conflict") await conflict(line, pending.record);
      else if (outcome.surveys[0]?.created) totals.created++;
      else totals.duplicates++;
    }
    chunk = [];
  };
  let lineNo = 0;
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (text.trim() === "") continue;
    try {
      const candidate = readImportLine(JSON.parse(text));
      const result = validateSurvey(candidate.submission, {
        requireOverallRating: project.requireOverallRating,
      });
      if (!result.ok) {
        totals.invalid++;
        for (const e of result.errors) report(lineNo, `${e.code} at ${e.path || "(survey)"}: ${e.message}`);
        continue;
      }
      chunk.push({
        line: lineNo,
        pending: toPendingSurvey(
          result.value,
          { projectId: project.id, receivedAt: candidate.receivedAt ?? new Date() },
          redactorOf(project),
          project.surveyConfig.networkBands,
        ),
        lossy: candidate.lossy === true,
      });
    } catch (error) {
      totals.invalid++;
      report(lineNo, `INVALID_JSON: ${(error as Error).message}`);
      continue;
    }
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  return totals;
}
