import type { Dialect } from "../store/database.js";

function ratingColumns(key: string, int: string, text: string): string {
  return [
    `${key}_score ${int}`,
    `${key}_lower ${int}`,
    `${key}_upper ${int}`,
    `${key}_threshold ${int}`,
    `${key}_issues ${text}`,
    `${key}_suggestion ${text}`,
    `${key}_poor ${int}`,
  ].join(",\n  ");
}

/**
 * Migration 1 (part): the `surveys` table, the same columns on both engines (see `survey-row.ts`): one
 * column group per rating category mirroring `ACSCallSurvey`, times as epoch milliseconds.
 */
export function surveyTable({ int, bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE surveys (
  project_id ${text} NOT NULL REFERENCES projects(id),
  id ${text} NOT NULL,
  received_at ${bigint} NOT NULL,
  client_time ${text} NOT NULL,
  call_id ${text} NOT NULL,
  participant_id ${text} NOT NULL,
  content_hash ${text} NOT NULL,
  app_version ${text},
  platform ${text},
  browser ${text},
  sdk_version ${text},
  dimensions ${text} NOT NULL DEFAULT '{}',
  ${ratingColumns("overall", int, text)},
  ${ratingColumns("audio", int, text)},
  ${ratingColumns("video", int, text)},
  ${ratingColumns("screenshare", int, text)},
  PRIMARY KEY (project_id, id)
)`,
    "CREATE INDEX surveys_project_time ON surveys (project_id, received_at DESC, id DESC)",
    "CREATE INDEX surveys_project_call ON surveys (project_id, call_id)",
    "CREATE INDEX surveys_project_participant ON surveys (project_id, participant_id)",
  ];
}

/**
 * Migration 13 (part): call quality on `surveys` (see `survey-row.ts`): the submitted summary as JSON,
 * the network band decided at ingest (NULL: no measured metric), its MOS and the probability the survey
 * was asked with (NULL: 1). Older surveys have none of them.
 */
export function surveyQualityColumns({ engine, text }: Dialect): string[] {
  const double = engine === "sqlite" ? "REAL" : "double precision";
  return [
    `ALTER TABLE surveys ADD COLUMN call_quality ${text}`,
    `ALTER TABLE surveys ADD COLUMN network_band ${text}`,
    `ALTER TABLE surveys ADD COLUMN mos ${double}`,
    `ALTER TABLE surveys ADD COLUMN ask_probability ${double}`,
  ];
}
