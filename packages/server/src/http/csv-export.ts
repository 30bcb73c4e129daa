import { Readable } from "node:stream";
import { bandMetrics, CONTEXT_FIELDS, RATING_CATEGORIES, type SurveyRecord } from "@aftercall/schema";
import type { FastifyReply } from "fastify";
import type { Project } from "../projects/project.js";

/**
 * The survey export as CSV (RFC 4180: comma-separated, CRLF line ends, fields holding a quote, comma,
 * CR or LF in double quotes with quotes doubled), one header row then one row per survey. The columns are
 * a stable, documented contract (docs/api.md); new columns are only ever appended.
 *
 * Spreadsheet formula injection: a text cell starting with `=`, `+`, `-`, `@` (also after spaces), tab, CR or LF would be run as a
 * formula by Excel, LibreOffice and Google Sheets, so such cells get a leading `'` (OWASP's advice).
 * Numbers and booleans we produce ourselves are written as they are.
 */

const RATING_FIELDS = ["Score", "Lower", "Upper", "Threshold", "Poor", "Issues", "Suggestion"] as const;

/** The header row, in column order. */
export const CSV_COLUMNS: readonly string[] = [
  "id",
  "receivedAt",
  "clientTime",
  "callId",
  "participantId",
  ...CONTEXT_FIELDS,
  ...RATING_CATEGORIES.flatMap(({ key }) => RATING_FIELDS.map((f) => `${key}${f}`)),
  "dimensions",
  // Call quality (appended with issue 16): the band decided at ingest, the metrics bands are made of
  // (the worst stream's, see `bandMetrics`), the probability the survey was asked with, the summary.
  "networkBand",
  "mos",
  "rttMsP95",
  "lossFraction",
  "jitterMsP95",
  "askProbability",
  "callQuality",
];

type Cell = string | number | boolean | undefined;

/**
 * A formula character, also after leading white space (spreadsheets trim it before reading a formula),
 * or a cell starting with tab, CR or LF.
 */
const FORMULA_START = /^(?:[\t\r\n]|\s*[=+\-@])/;

/** A text cell that a spreadsheet would not read as a formula. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field. */
export function csvField(cell: Cell): string {
  if (cell === undefined) return "";
  const text = typeof cell === "string" ? neutralizeFormula(cell) : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The cells of one survey, in {@link CSV_COLUMNS} order. */
export function csvCells(record: SurveyRecord): Cell[] {
  const cells: Cell[] = [
    record.id,
    record.receivedAt,
    record.clientTime,
    record.callId,
    record.participantId,
    ...CONTEXT_FIELDS.map((f) => record[f]),
  ];
  for (const { key } of RATING_CATEGORIES) {
    const r = record.ratings[key];
    cells.push(
      r?.score,
      r?.scale.lowerBound,
      r?.scale.upperBound,
      r?.scale.lowScoreThreshold,
      r?.poor,
      r?.issues.join(";"),
      r?.improvementSuggestion,
    );
  }
  cells.push(Object.keys(record.dimensions).length > 0 ? JSON.stringify(record.dimensions) : undefined);
  const quality = record.callQuality;
  const metrics = quality ? bandMetrics(quality) : undefined;
  cells.push(
    record.networkBand,
    metrics?.mos,
    metrics?.rttMs,
    metrics?.lossFraction,
    metrics?.jitterMs,
    record.askProbability,
    quality ? JSON.stringify(quality) : undefined,
  );
  return cells;
}

const line = (cells: readonly Cell[]) => `${cells.map(csvField).join(",")}\r\n`;

/** Stream the records as CSV, pulling from the store only as fast as the client reads. */
export function streamCsv(
  reply: FastifyReply,
  records: AsyncIterable<SurveyRecord>,
  project: Project,
): FastifyReply {
  async function* lines(): AsyncGenerator<string> {
    yield line(CSV_COLUMNS);
    for await (const record of records) yield line(csvCells(record));
  }
  return reply
    .header("content-type", "text/csv; charset=utf-8; header=present")
    .header("content-disposition", `attachment; filename="${project.id}-surveys.csv"`)
    .send(Readable.from(lines()));
}
