import type { Dialect } from "../store/database.js";

/** Migration 1 (part): projects and their API keys. */
export function projectTables({ int, bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE projects (
  id ${text} PRIMARY KEY,
  name ${text} NOT NULL,
  allowed_origins ${text} NOT NULL DEFAULT '[]',
  require_overall_rating ${int} NOT NULL DEFAULT 1,
  resource_id ${text} NOT NULL,
  created_at ${bigint} NOT NULL
)`,
    `CREATE TABLE api_keys (
  id ${text} PRIMARY KEY,
  project_id ${text} NOT NULL REFERENCES projects(id),
  kind ${text} NOT NULL CHECK (kind IN ('ingest', 'admin')),
  label ${text} NOT NULL DEFAULT '',
  prefix ${text} NOT NULL,
  token_hash ${text} NOT NULL UNIQUE,
  token ${text},
  created_at ${bigint} NOT NULL,
  revoked_at ${bigint}
)`,
    "CREATE INDEX api_keys_project ON api_keys (project_id)",
  ];
}

/** Migration 2 (part): the remote survey configuration of each project. */
export function surveyConfigColumn({ text }: Dialect): string[] {
  return [`ALTER TABLE projects ADD COLUMN survey_config ${text} NOT NULL DEFAULT '{}'`];
}

/** Migration 9 (part): each project's data policy (retention, redaction), JSON; `{}` means the defaults. */
export function dataPolicyColumn({ text }: Dialect): string[] {
  return [`ALTER TABLE projects ADD COLUMN data_policy ${text} NOT NULL DEFAULT '{}'`];
}
