import { type SurveyRecord, toAzureResourceLogRecord } from "@aftercall/schema";
import type { Project } from "./projects/project.js";

/** Record formats of exports and destinations: Aftercall's native record or the Azure resource log. */
export const EXPORT_FORMATS = ["native", "acs"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** One NDJSON line (without the newline) of a record in `format`. */
export function formatRecord(record: SurveyRecord, format: ExportFormat, project: Project): string {
  return JSON.stringify(format === "acs" ? toAzureResourceLogRecord(record, project.resourceId) : record);
}
