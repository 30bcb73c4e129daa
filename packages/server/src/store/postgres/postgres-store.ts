import type {
  RatingCategory,
  SurveyConfig,
  SurveyEvent,
  SurveyEventType,
  SurveyRecord,
} from "@aftercall/schema";
import postgres from "postgres";
import type { DeliveryStore } from "../delivery-store.js";
import { dimensionKeys } from "../dimension-rollup-query.js";
import { numberPlaceholders } from "../list-query.js";
import { POSTGRES_MIGRATIONS } from "../migrations.js";
import { IngestActivity, PacedReads, type PacingOptions } from "../paced-reads.js";
import { type CommitPlan, groupKeys, planCommit, type StoredSurvey, surveyKey } from "../plan-commit.js";
import {
  type AnalyticsSource,
  breakdown,
  type RunSql,
  summarize,
  tagCounts,
  timeSlots,
} from "../rollup-query.js";
import { completeProject, keyFromRow, projectFromRow, publicToken } from "../rows.js";
import { SqlDeliveryStore } from "../sql-delivery-store.js";
import { postgresDriver } from "../sql-driver.js";
import type {
  ApiKey,
  BreakdownAggregate,
  BreakdownBy,
  DimensionKeyCount,
  GroupOutcome,
  IssueTagCount,
  NewApiKey,
  NewProject,
  PendingSurvey,
  Project,
  Store,
  SurveyGroup,
  SurveyPage,
  SurveyQuery,
  SurveySummary,
  TimeSlotAggregate,
} from "../store.js";
import { countEvents, exportSurveys, listSurveys } from "../survey-reads.js";
import {
  rowToSurvey,
  SURVEY_COLUMN_TYPES,
  SURVEY_COLUMNS,
  type SurveyRow,
  surveyToRow,
} from "../survey-row.js";

/** Key of the transaction-scoped advisory lock that serialises migrations across servers (ASCII "aftercl"). */
const MIGRATION_LOCK = 0x6166746572636c;
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
type Tx = postgres.TransactionSql<{ bigint: number }>;
type Row = Record<string, unknown>;

/** Another server inserted one of our surveys between our lookup and our insert: redo the commit. */
class RaceError extends Error {
  constructor() {
    super("A concurrent commit stored one of the surveys first");
    this.name = "RaceError";
  }
}

/**
 * The optimistic insert wrote surveys of a group that turns out to conflict with a stored survey: roll
 * back, so nothing of that group stays written, and redo the commit planning first.
 */
class PlanFirst extends Error {
  constructor() {
    super("A group conflicts with a stored survey; redo the commit with the plan first");
    this.name = "PlanFirst";
  }
}

/**
 * One statement inserts a whole batch: one array parameter per column, whatever the batch size (46, not
 * 46 per survey), prepared once per connection. Returns the keys it inserted; a key already stored is
 * skipped (`ON CONFLICT DO NOTHING`), and a key another transaction is inserting waits for its outcome.
 */
const INSERT_SURVEYS = `INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")})
SELECT * FROM unnest(${SURVEY_COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(", ")})
ON CONFLICT (project_id, id) DO NOTHING RETURNING project_id, id`;
const SELECT_SURVEYS =
  "SELECT * FROM surveys WHERE (project_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))";

/** The surveys as one array per column, in `SURVEY_COLUMNS` order, for {@link INSERT_SURVEYS}. */
function insertColumns(surveys: readonly PendingSurvey[]): Array<Array<string | number | null>> {
  const columns = SURVEY_COLUMNS.map(() => new Array<string | number | null>(surveys.length));
  surveys.forEach(({ record, contentHash }, r) => {
    const row = surveyToRow(record, contentHash);
    SURVEY_COLUMNS.forEach((column, c) => {
      (columns[c] as Array<string | number | null>)[r] = row[column] ?? null;
    });
  });
  return columns;
}

const conflictFree = (outcomes: readonly GroupOutcome[]): boolean =>
  outcomes.every((o) => o.status === "committed");

/** Connections per server for dashboard reads; see `AFTERCALL_PG_READ_CONNECTIONS`. */
export const DEFAULT_READ_CONNECTIONS = 1;

/**
 * The scale-out engine: any number of servers share one PostgreSQL database. A commit inserts with
 * `ON CONFLICT DO NOTHING` and looks up what was already stored (see `commitSurveyGroups`); if another
 * server stored one of the surveys in between, the transaction is rolled back and redone, so each survey
 * is written exactly once and every retry is answered from the stored record. Commits use the server's
 * `synchronous_commit` (on by default), so they are durable when acknowledged. Several commits of one
 * server may be in flight at once (`GroupCommitter`'s `concurrency`); they race exactly as commits of
 * different servers do.
 */
export class PostgresStore implements Store {
  readonly engine = "postgres" as const;
  private readonly sql: Sql;
  /**
   * Dashboard reads (analytics, survey list, export) have their own small pool, so however many
   * dashboards are open they never hold the connections commits need, and never run more than
   * `readConnections` statements at once on the database's cores (one by default, like SQLite's single
   * analytics worker: with two, dashboard use tripled the ingestion p99 on a 2-core machine).
   */
  private readonly reads: Sql;
  readonly delivery: DeliveryStore;
  private readonly analytics: AnalyticsSource;
  private readonly activity = new IngestActivity();
  /** Analytics statements, batched per request and paced while surveys arrive (see PacedReads). */
  private readonly pacedReads: PacedReads;
  private readonly run: RunSql = (f) => this.pacedReads.run(f);

  /**
   * `max`: connections for commits and everything else; `readConnections`: for dashboard reads
   * (default {@link DEFAULT_READ_CONNECTIONS}); `analytics`: rollups where possible (default) or always
   * raw rows (for comparisons); `analyticsShare`: see {@link PacingOptions.share}.
   */
  constructor(
    url: string,
    options?: {
      max?: number;
      readConnections?: number;
      analytics?: AnalyticsSource;
      analyticsShare?: number;
    },
  ) {
    this.analytics = options?.analytics ?? "auto";
    const name = process.env.PGAPPNAME ?? "aftercall";
    const connect = (max: number, applicationName: string) =>
      postgres(url, { max, onnotice: () => {}, types, connection: { application_name: applicationName } });
    this.sql = connect(options?.max ?? 10, name);
    const readConnections = options?.readConnections ?? DEFAULT_READ_CONNECTIONS;
    this.reads = connect(readConnections, `${name}-reads`);
    this.pacedReads = new PacedReads(
      (batch) =>
        Promise.allSettled(
          batch.map(
            (f) =>
              this.reads.unsafe(numberPlaceholders(f.sql), f.params, { prepare: true }) as Promise<unknown[]>,
          ),
        ),
      {
        share: options?.analyticsShare,
        ingesting: this.activity.ingesting,
        concurrency: readConnections,
      },
    );
    this.delivery = new SqlDeliveryStore(postgresDriver(this.sql));
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
    await Promise.all([this.sql.end({ timeout: 5 }), this.reads.end({ timeout: 5 })]);
  }

  /**
   * Commits are optimistic: almost every survey is new, so the batch is inserted first and, when every
   * row was inserted, the transaction commits after that one statement. Otherwise the surveys not inserted
   * are looked up in the same transaction: retries (same content) are answered from the stored record;
   * a conflict (other content under a stored id) rolls back, and the commit is redone the careful way —
   * look up, plan, insert only what the plan allows — so a conflicting group writes nothing. Inserts run
   * in (project, id) order, so concurrent commits, here or on other servers, take row locks in the same
   * order and do not deadlock.
   */
  async commitSurveyGroups(groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> {
    this.activity.noteCommit();
    const optimistic = planCommit(groups, new Map());
    if (optimistic.inserts.length === 0) return optimistic.outcomes;
    // Two different surveys under one id within this commit: no insert can help, plan first.
    let planFirst = !conflictFree(optimistic.outcomes);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.begin((tx) =>
          planFirst ? this.commitPlanned(tx, groups) : this.commitOptimistic(tx, groups, optimistic),
        );
      } catch (error) {
        if (error instanceof PlanFirst) {
          planFirst = true;
          attempt--; // not a failed attempt: the next one cannot take this path again
          continue;
        }
        if (!(error instanceof RaceError) && !RETRYABLE.has(sqlState(error))) throw error;
        if (attempt >= COMMIT_ATTEMPTS) {
          throw new Error(
            `Survey commit did not settle after ${COMMIT_ATTEMPTS} attempts under concurrent writes`,
            { cause: error },
          );
        }
      }
    }
  }

  /** Insert everything, then look up what was already stored; see {@link commitSurveyGroups}. */
  private async commitOptimistic(
    tx: Tx,
    groups: readonly SurveyGroup[],
    optimistic: CommitPlan,
  ): Promise<GroupOutcome[]> {
    const inserted = await this.insertSurveys(tx, optimistic.inserts);
    if (inserted.size === optimistic.inserts.length) return optimistic.outcomes;
    const missing = optimistic.inserts
      .map(({ record }) => ({ projectId: record.projectId, id: record.id }))
      .filter((k) => !inserted.has(surveyKey(k.projectId, k.id)));
    const existing = await this.lookUp(tx, missing);
    // Skipped by ON CONFLICT, yet not visible now: it was deleted in between. Start over.
    if (existing.size < missing.length) throw new RaceError();
    const plan = planCommit(groups, existing);
    if (!conflictFree(plan.outcomes)) throw new PlanFirst();
    return plan.outcomes;
  }

  /** Look up, plan, then insert exactly the plan's surveys. */
  private async commitPlanned(tx: Tx, groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> {
    const plan = planCommit(groups, await this.lookUp(tx, groupKeys(groups)));
    if (plan.inserts.length > 0) {
      const inserted = await this.insertSurveys(tx, plan.inserts);
      if (inserted.size < plan.inserts.length) throw new RaceError();
    }
    return plan.outcomes;
  }

  /** Insert `surveys` (sorted by project and id), skipping stored ones; the keys inserted. */
  private async insertSurveys(tx: Tx, surveys: readonly PendingSurvey[]): Promise<Set<string>> {
    const rows = await tx.unsafe<Array<{ project_id: string; id: string }>>(
      INSERT_SURVEYS,
      insertColumns(surveys),
      { prepare: true },
    );
    return new Set(rows.map((row) => surveyKey(row.project_id, row.id)));
  }

  private async lookUp(
    tx: Tx,
    keys: ReadonlyArray<{ projectId: string; id: string }>,
  ): Promise<Map<string, StoredSurvey>> {
    const existing = new Map<string, StoredSurvey>();
    if (keys.length === 0) return existing;
    const rows = await tx.unsafe<SurveyRow[]>(
      SELECT_SURVEYS,
      [keys.map((k) => k.projectId), keys.map((k) => k.id)],
      { prepare: true },
    );
    for (const row of rows) {
      existing.set(surveyKey(String(row.project_id), String(row.id)), {
        contentHash: String(row.content_hash),
        record: rowToSurvey(row),
      });
    }
    return existing;
  }

  async getSurvey(projectId: string, id: string): Promise<SurveyRecord | undefined> {
    const rows = await this.sql<
      SurveyRow[]
    >`SELECT * FROM surveys WHERE project_id = ${projectId} AND id = ${id}`;
    const row = rows[0];
    return row ? rowToSurvey(row) : undefined;
  }

  listSurveys(
    projectId: string,
    query: SurveyQuery,
    page: { limit: number; cursor?: string },
  ): Promise<SurveyPage> {
    return listSurveys(this.run, projectId, query, page);
  }

  exportSurveys(projectId: string, query: SurveyQuery): AsyncIterable<SurveyRecord> {
    return exportSurveys(this.run, projectId, query);
  }

  async countSurveys(projectId: string): Promise<number> {
    const rows = await this.sql<
      Array<{ n: number }>
    >`SELECT count(*) AS n FROM surveys WHERE project_id = ${projectId}`;
    return Number(rows[0]?.n ?? 0);
  }

  async summarizeSurveys(projectId: string, query: SurveyQuery): Promise<SurveySummary> {
    return summarize(this.run, this.analytics, projectId, query);
  }

  async issueTagCounts(projectId: string, query: SurveyQuery): Promise<IssueTagCount[]> {
    return tagCounts(this.run, this.analytics, projectId, query);
  }

  async ratingTimeSlots(
    projectId: string,
    query: SurveyQuery,
    category: RatingCategory,
  ): Promise<TimeSlotAggregate[]> {
    return timeSlots(this.run, this.analytics, projectId, query, category);
  }

  async ratingBreakdown(
    projectId: string,
    query: SurveyQuery,
    category: RatingCategory,
    by: BreakdownBy,
  ): Promise<BreakdownAggregate[]> {
    return breakdown(this.run, this.analytics, projectId, query, category, by);
  }

  async dimensionKeys(projectId: string, query: SurveyQuery): Promise<DimensionKeyCount[]> {
    return dimensionKeys(this.run, this.analytics, projectId, query);
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

  countEvents(
    projectId: string,
    range: { fromMs?: number; toMs?: number } = {},
  ): Promise<Record<SurveyEventType, number>> {
    return countEvents(this.run, projectId, range);
  }
}

function sqlState(error: unknown): string {
  return error instanceof postgres.PostgresError ? error.code : "";
}
