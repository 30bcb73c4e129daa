import { postgresRollupMigration, sqliteRollupMigration } from "./rollup-schema.js";

/**
 * Versioned schema migrations. Each engine has its own list because the dialects differ in types, but
 * the tables and columns are the same, so queries (see `list-query.ts`) are shared. A migration is
 * never edited once released: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements run in order inside one transaction. */
  statements: string[];
}

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

function initialSchema(t: { int: string; bigint: string; text: string }): string[] {
  const { int, bigint, text } = t;
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

/** Remote survey configuration per project, and survey lifecycle events (shown, dismissed, submitted). */
function configAndEvents(t: { bigint: string; text: string }): string[] {
  const { bigint, text } = t;
  return [
    `ALTER TABLE projects ADD COLUMN survey_config ${text} NOT NULL DEFAULT '{}'`,
    `CREATE TABLE survey_events (
  project_id ${text} NOT NULL REFERENCES projects(id),
  id ${text} NOT NULL,
  type ${text} NOT NULL,
  call_id ${text} NOT NULL,
  participant_id ${text} NOT NULL,
  survey_id ${text},
  client_time ${text} NOT NULL,
  received_at ${bigint} NOT NULL,
  PRIMARY KEY (project_id, id)
)`,
    "CREATE INDEX survey_events_project_time ON survey_events (project_id, received_at)",
  ];
}

const SQLITE_TYPES = { int: "INTEGER", bigint: "INTEGER", text: "TEXT" };
const POSTGRES_TYPES = { int: "integer", bigint: "bigint", text: "text" };

export const SQLITE_MIGRATIONS: Migration[] = [
  { version: 1, name: "initial", statements: initialSchema(SQLITE_TYPES) },
  { version: 2, name: "survey config and events", statements: configAndEvents(SQLITE_TYPES) },
  { version: 4, name: "analytics rollups", statements: sqliteRollupMigration() },
];

export const POSTGRES_MIGRATIONS: Migration[] = [
  { version: 1, name: "initial", statements: initialSchema(POSTGRES_TYPES) },
  { version: 2, name: "survey config and events", statements: configAndEvents(POSTGRES_TYPES) },
  { version: 4, name: "analytics rollups", statements: postgresRollupMigration() },
];
