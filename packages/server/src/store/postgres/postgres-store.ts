import type { SurveyConfig, SurveyEvent, SurveyEventType, SurveyRecord } from "@aftercall/schema";
import postgres from "postgres";
import { decodeCursor, encodeCursor, numberPlaceholders, surveyFilter } from "../list-query.js";
import { POSTGRES_MIGRATIONS } from "../migrations.js";
import { groupKeys, planCommit, type StoredSurvey, surveyKey } from "../plan-commit.js";
import { completeProject, eventCounts, keyFromRow, projectFromRow, publicToken } from "../rows.js";
import type {
  ApiKey,
  GroupOutcome,
  NewApiKey,
  NewProject,
  PendingSurvey,
  Project,
  Store,
  SurveyGroup,
  SurveyPage,
  SurveyQuery,
} from "../store.js";
import { rowToSurvey, SURVEY_COLUMNS, type SurveyRow, surveyToRow } from "../survey-row.js";

const EXPORT_CHUNK = 1000;
/** Key of the transaction-scoped advisory lock that serialises migrations across servers (ASCII "aftercl"). */
const MIGRATION_LOCK = 0x6166746572636c;
/** The wire protocol counts bind parameters in 16 bits. */
const MAX_PARAMS = 65535;
const INSERT_CHUNK = Math.floor(MAX_PARAMS / SURVEY_COLUMNS.length);
const COMMIT_ATTEMPTS = 5;
/** SQLSTATEs after which the whole commit is simply retried. */
const RETRYABLE = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected

/**
 * `bigint` columns hold epoch milliseconds and counts, all far below 2^53, so they are parsed to numbers
 * (the driver's default is strings) and rows look the same as SQLite's.
 */
const types = {
  bigint: {
    to: 20,
    from: [20],
    serialize: (value: number | string) => String(value),
    parse: (raw: string) => Number(raw),
  },
};

type Sql = postgres.Sql<{ bigint: number }>;
type Row = Record<string, unknown>;

/** Another server inserted one of our surveys between our lookup and our insert: redo the commit. */
class RaceError extends Error {
  constructor() {
    super("A concurrent commit stored one of the surveys first");
    this.name = "RaceError";
  }
}

const COLUMN_LIST = SURVEY_COLUMNS.join(", ");

/** `INSERT … VALUES (…), (…) … ON CONFLICT DO NOTHING RETURNING id` for `rows` surveys. */
function insertSql(rows: number): string {
  const width = SURVEY_COLUMNS.length;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = SURVEY_COLUMNS.map((_, c) => `$${r * width + c + 1}`);
    tuples.push(`(${cells.join(", ")})`);
  }
  return `INSERT INTO surveys (${COLUMN_LIST}) VALUES ${tuples.join(", ")} ON CONFLICT (project_id, id) DO NOTHING RETURNING id`;
}

function insertParams(surveys: readonly PendingSurvey[]): Array<string | number | null> {
  const params: Array<string | number | null> = [];
  for (const { record, contentHash } of surveys) {
    const row = surveyToRow(record, contentHash);
    for (const column of SURVEY_COLUMNS) params.push(row[column] ?? null);
  }
  return params;
}

/**
 * The scale-out engine: any number of servers share one PostgreSQL database. A commit looks up the stored
 * surveys, plans, and inserts with `ON CONFLICT DO NOTHING`; if another server stored one of the surveys
 * in between, the transaction is rolled back and redone, so each survey is written exactly once and every
 * retry is answered from the stored record. Commits use the server's `synchronous_commit` (on by default),
 * so they are durable when acknowledged.
 */
export class PostgresStore implements Store {
  readonly engine = "postgres" as const;
  private readonly sql: Sql;

  constructor(url: string, options?: { max?: number }) {
    this.sql = postgres(url, {
      max: options?.max ?? 10,
      onnotice: () => {},
      types,
      connection: { application_name: process.env.PGAPPNAME ?? "aftercall" },
    });
  }

  async migrate(): Promise<void> {
    await this.sql.begin(async (tx) => {
      // Held until commit: a second server starting at the same time waits here, then finds nothing to do.
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.unsafe(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
      );
      const rows = await tx<Array<{ version: number }>>`SELECT version FROM schema_migrations`;
      const applied = new Set(rows.map((r) => Number(r.version)));
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements) await tx.unsafe(statement);
        await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`;
      }
    });
  }

  async ping(): Promise<void> {
    await this.sql`SELECT 1`;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  async commitSurveyGroups(groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> {
    const keys = groupKeys(groups);
    if (keys.length === 0) return planCommit(groups, new Map()).outcomes;
    const projectIds = keys.map((k) => k.projectId);
    const ids = keys.map((k) => k.id);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.begin(async (tx) => {
          const rows = await tx.unsafe<SurveyRow[]>(
            "SELECT * FROM surveys WHERE (project_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
            [tx.array(projectIds, 25), tx.array(ids, 25)],
          );
          const existing = new Map<string, StoredSurvey>();
          for (const row of rows) {
            existing.set(surveyKey(String(row.project_id), String(row.id)), {
              contentHash: String(row.content_hash),
              record: rowToSurvey(row),
            });
          }
          const plan = planCommit(groups, existing);
          // plan.inserts is sorted by (project, id), so concurrent commits take row locks in the same order.
          for (let start = 0; start < plan.inserts.length; start += INSERT_CHUNK) {
            const chunk = plan.inserts.slice(start, start + INSERT_CHUNK);
            const inserted = await tx.unsafe(insertSql(chunk.length), insertParams(chunk));
            if (inserted.length < chunk.length) throw new RaceError();
          }
          return plan.outcomes;
        });
      } catch (error) {
        if (!(error instanceof RaceError) && !RETRYABLE.has(sqlState(error))) throw error;
        if (attempt >= COMMIT_ATTEMPTS) {
          throw new Error(
            `Survey commit did not settle after ${COMMIT_ATTEMPTS} attempts under concurrent writes`,
            {
              cause: error,
            },
          );
        }
      }
    }
  }

  async getSurvey(projectId: string, id: string): Promise<SurveyRecord | undefined> {
    const rows = await this.sql<
      SurveyRow[]
    >`SELECT * FROM surveys WHERE project_id = ${projectId} AND id = ${id}`;
    const row = rows[0];
    return row ? rowToSurvey(row) : undefined;
  }

  async listSurveys(
    projectId: string,
    query: SurveyQuery,
    page: { limit: number; cursor?: string },
  ): Promise<SurveyPage> {
    const filter = surveyFilter(projectId, query);
    let sql = `SELECT * FROM surveys WHERE ${filter.sql}`;
    const params: Array<string | number> = [...filter.params];
    const after = page.cursor ? decodeCursor(page.cursor) : undefined;
    if (after) {
      sql += " AND (received_at < ? OR (received_at = ? AND id < ?))";
      params.push(after.receivedAtMs, after.receivedAtMs, after.id);
    }
    sql += " ORDER BY received_at DESC, id DESC LIMIT ?";
    params.push(page.limit + 1);
    const rows = await this.sql.unsafe<SurveyRow[]>(numberPlaceholders(sql), params, { prepare: true });
    const items = rows.slice(0, page.limit).map(rowToSurvey);
    const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
    return last ? { items, nextCursor: encodeCursor(Number(last.received_at), String(last.id)) } : { items };
  }

  async *exportSurveys(projectId: string, query: SurveyQuery): AsyncIterable<SurveyRecord> {
    const filter = surveyFilter(projectId, query);
    let after: { at: number; id: string } | undefined;
    for (;;) {
      const params: Array<string | number> = [...filter.params];
      let sql = `SELECT * FROM surveys WHERE ${filter.sql}`;
      if (after) {
        sql += " AND (received_at > ? OR (received_at = ? AND id > ?))";
        params.push(after.at, after.at, after.id);
      }
      sql += ` ORDER BY received_at ASC, id ASC LIMIT ${EXPORT_CHUNK}`;
      const rows = await this.sql.unsafe<SurveyRow[]>(numberPlaceholders(sql), params, { prepare: true });
      for (const row of rows) yield rowToSurvey(row);
      if (rows.length < EXPORT_CHUNK) return;
      const last = rows[rows.length - 1] as SurveyRow;
      after = { at: Number(last.received_at), id: String(last.id) };
    }
  }

  async countSurveys(projectId: string): Promise<number> {
    const rows = await this.sql<
      Array<{ n: number }>
    >`SELECT count(*) AS n FROM surveys WHERE project_id = ${projectId}`;
    return Number(rows[0]?.n ?? 0);
  }

  async createProject(input: NewProject): Promise<Project> {
    const project = completeProject(input, Date.now());
    const createdAt = Date.parse(project.createdAt);
    await this.sql`
      INSERT INTO projects (id, name, allowed_origins, require_overall_rating, resource_id, survey_config, created_at)
      VALUES (${project.id}, ${project.name}, ${JSON.stringify(project.allowedOrigins)},
              ${project.requireOverallRating ? 1 : 0}, ${project.resourceId}, ${JSON.stringify(project.surveyConfig)}, ${createdAt})`;
    return project;
  }

  async getProject(id: string): Promise<Project | undefined> {
    const rows = await this.sql<Row[]>`SELECT * FROM projects WHERE id = ${id}`;
    const row = rows[0];
    return row ? projectFromRow(row) : undefined;
  }

  async listProjects(): Promise<Project[]> {
    const rows = await this.sql<Row[]>`SELECT * FROM projects ORDER BY created_at, id`;
    return rows.map(projectFromRow);
  }

  async createApiKey(key: NewApiKey): Promise<ApiKey> {
    const createdAt = Date.now();
    await this.sql`
      INSERT INTO api_keys (id, project_id, kind, label, prefix, token_hash, token, created_at)
      VALUES (${key.id}, ${key.projectId}, ${key.kind}, ${key.label}, ${key.prefix}, ${key.tokenHash},
              ${publicToken(key)}, ${createdAt})`;
    return keyFromRow({
      ...key,
      project_id: key.projectId,
      token: publicToken(key),
      created_at: createdAt,
      revoked_at: null,
    });
  }

  async listApiKeys(projectId: string): Promise<ApiKey[]> {
    const rows = await this.sql<
      Row[]
    >`SELECT * FROM api_keys WHERE project_id = ${projectId} ORDER BY created_at, id`;
    return rows.map(keyFromRow);
  }

  async revokeApiKey(projectId: string, keyId: string): Promise<boolean> {
    const result = await this.sql`
      UPDATE api_keys SET revoked_at = ${Date.now()}
      WHERE project_id = ${projectId} AND id = ${keyId} AND revoked_at IS NULL`;
    return result.count === 1;
  }

  async findApiKeyByHash(tokenHash: string): Promise<ApiKey | undefined> {
    const rows = await this.sql<
      Row[]
    >`SELECT * FROM api_keys WHERE token_hash = ${tokenHash} AND revoked_at IS NULL`;
    const row = rows[0];
    return row ? keyFromRow(row) : undefined;
  }

  async updateSurveyConfig(projectId: string, config: SurveyConfig): Promise<boolean> {
    const result = await this
      .sql`UPDATE projects SET survey_config = ${JSON.stringify(config)} WHERE id = ${projectId}`;
    return result.count === 1;
  }

  async recordEvents(
    projectId: string,
    events: readonly SurveyEvent[],
    receivedAtMs: number,
  ): Promise<number> {
    if (events.length === 0) return 0;
    const rows = events.map((e) => ({
      project_id: projectId,
      id: e.id,
      type: e.type,
      call_id: e.callId,
      participant_id: e.participantId,
      survey_id: e.surveyId ?? null,
      client_time: e.clientTime,
      received_at: receivedAtMs,
    }));
    const inserted = await this.sql`
      INSERT INTO survey_events ${this.sql(rows)} ON CONFLICT (project_id, id) DO NOTHING RETURNING id`;
    return inserted.length;
  }

  async countEvents(
    projectId: string,
    range: { fromMs?: number; toMs?: number } = {},
  ): Promise<Record<SurveyEventType, number>> {
    const rows = await this.sql<Array<{ type: string; n: string }>>`
      SELECT type, count(*) AS n FROM survey_events
      WHERE project_id = ${projectId} AND received_at >= ${range.fromMs ?? 0} AND received_at < ${range.toMs ?? Number.MAX_SAFE_INTEGER}
      GROUP BY type`;
    return eventCounts(rows);
  }
}

function sqlState(error: unknown): string {
  return error instanceof postgres.PostgresError ? error.code : "";
}
