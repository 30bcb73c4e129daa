import { Readable } from "node:stream";
import type { SurveyRecord } from "@aftercall/schema";
import type { FastifyReply } from "fastify";
import { type ExportFormat, formatRecord } from "../export-format.js";
import type { Project } from "../projects/project.js";

/** Stream records as NDJSON, pulling from the store only as fast as the client reads. */
export function streamExport(
  reply: FastifyReply,
  records: AsyncIterable<SurveyRecord>,
  format: ExportFormat,
  project: Project,
): FastifyReply {
  async function* lines(): AsyncGenerator<string> {
    for await (const record of records) yield `${formatRecord(record, format, project)}\n`;
  }
  const filename = `${project.id}-surveys-${format}.ndjson`;
  return reply
    .header("content-type", "application/x-ndjson; charset=utf-8")
    .header("content-disposition", `attachment; filename="${filename}"`)
    .send(Readable.from(lines()));
}
