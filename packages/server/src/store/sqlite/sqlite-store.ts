import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type {
  RatingCategory,
  SurveyConfig,
  SurveyEvent,
  SurveyEventType,
  SurveyRecord,
} from "@aftercall/schema";
import Database from "better-sqlite3";
import type { DeliveryStore } from "../delivery-store.js";
import { dimensionKeys } from "../dimension-rollup-query.js";
import { SQLITE_MIGRATIONS } from "../migrations.js";
import { IngestActivity, PacedReads } from "../paced-reads.js";
import { groupKeys, planCommit, type StoredSurvey, surveyKey } from "../plan-commit.js";
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
import { sqliteDriver } from "../sql-driver.js";
import type {
  ApiKey,
  BreakdownAggregate,
  BreakdownBy,
  DimensionKeyCount,
  GroupOutcome,
  IssueTagCount,
  NewApiKey,
  NewProject,
  Project,
  Store,
  SurveyGroup,
  SurveyPage,
  SurveyQuery,
  SurveySummary,
  TimeSlotAggregate,
} from "../store.js";
import { countEvents, exportSurveys, listSurveys } from "../survey-reads.js";
import { rowToSurvey, SURVEY_COLUMNS, type SurveyRow, surveyToRow } from "../survey-row.js";
import { AnalyticsReader } from "./analytics-reader.js";

/** How often the WAL is copied back into the database file, off the commit path (see the class comment). */
const CHECKPOINT_INTERVAL_MS = 500;
/**
 * A checkpoint also runs inside a commit once the WAL holds this many pages (64 MiB at 4 KiB pages): only
 * a cap for when the timer cannot keep up, so the WAL stays bounded whatever the load.
 */
const WAL_AUTOCHECKPOINT_PAGES = 16384;

export interface SqliteStoreOptions {
  /**
   * Period of the background PASSIVE checkpoint in ms (default 500). 0 turns it off and leaves every
   * checkpoint to SQLite's own trigger inside a commit, at its default of 1000 WAL pages.
   */
  checkpointIntervalMs?: number;
  /** Where analytics come from: rollups where possible (default) or always raw rows (for comparisons). */
  analytics?: AnalyticsSource;
  /** Most share of the reader thread's time analytics may use while surveys arrive; see PacedReads. */
  analyticsShare?: number;
}

/**
 * The embedded engine: one SQLite file in the data directory, in WAL mode with `synchronous=FULL`, so a
 * commit is fsynced before it is acknowledged. Several processes may open the same file (WAL allows many
 * readers and one writer at a time; writers wait up to `busy_timeout`).
 *
 * Checkpoints (copying committed WAL pages back into the database file, with its own fsync) run on a timer
 * every {@link CHECKPOINT_INTERVAL_MS} ms rather than inside a commit every 1000 WAL pages, SQLite's default.
 * Each survey dirties a random page of three indexes, so a commit writes ~100 pages to the WAL; checkpointing
 * half a second of commits at once writes each index page back once instead of once per few commits.
 * Measured (docs/benchmarks.md): 10–25 µs less server CPU per survey, and commits no longer carry a
 * 5–10 ms checkpoint every few times. The checkpoint runs on the analytics reader's thread while it runs
 * (see AnalyticsReader), else on this thread between commits.
 * Durability is unchanged: a commit is acknowledged once its WAL frames are fsynced (`synchronous=FULL`),
 * whenever they are checkpointed.
 */
export class SqliteStore implements Store {
  readonly engine = "sqlite" as const;
  readonly path: string;
  readonly delivery: DeliveryStore;
  private readonly db: Database.Database;
  private readonly insertSurvey: Database.Statement;
  private readonly selectSurvey: Database.Statement;
  private readonly checkpointTimer: NodeJS.Timeout | undefined;
  private readonly analytics: AnalyticsSource;
  /** Analytics run on a worker thread (see AnalyticsReader), off the thread that commits surveys. */
  private readonly reader: AnalyticsReader;
  private readonly activity = new IngestActivity();
  private readonly reads: PacedReads;
  private readonly run: RunSql = (f) => this.reads.run(f);

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, "aftercall.sqlite");
    this.db = new Database(this.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("foreign_keys = ON");
    // The case folding of the `q` filter: JavaScript's Unicode lower case (SQLite's lower() is ASCII-only).
    this.db.function("aftercall_fold", { deterministic: true }, (text: unknown) =>
      typeof text === "string" ? text.toLowerCase() : null,
    );
    // The value of one custom dimension (PostgreSQL's is a SQL function from migration 5).
    this.db.function("aftercall_dimension", { deterministic: true }, dimensionValue);
    this.analytics = options.analytics ?? "auto";
    this.reader = new AnalyticsReader(this.path);
    this.reads = new PacedReads((batch) => this.reader.execute(batch), {
      share: options.analyticsShare,
      ingesting: this.activity.ingesting,
    });
    const interval = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
    if (interval > 0) {
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      // unref: the timer never keeps a process alive; close() stops it.
      this.checkpointTimer = setInterval(() => {
        if (!this.reader.checkpoint()) this.checkpoint("PASSIVE");
      }, interval).unref();
    }
    this.migrateNow();
    const columns = SURVEY_COLUMNS.join(", ");
    const values = SURVEY_COLUMNS.map((c) => `@${c}`).join(", ");
    this.insertSurvey = this.db.prepare(
      `INSERT INTO surveys (${columns}) VALUES (${values}) ON CONFLICT (project_id, id) DO NOTHING`,
    );
    this.selectSurvey = this.db.prepare("SELECT * FROM surveys WHERE project_id = ? AND id = ?");
    this.delivery = new SqlDeliveryStore(sqliteDriver(this.db));
  }

  async migrate(): Promise<void> {
    this.migrateNow();
  }

  private migrateNow(): void {
    const apply = this.db.transaction(() => {
      this.db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      );
      const applied = new Set(
        (this.db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
          (r) => r.version,
        ),
      );
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements) this.db.exec(statement);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Date.now());
      }
    });
    apply.immediate();
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  async close(): Promise<void> {
    clearInterval(this.checkpointTimer);
    await this.reader.close();
    if (!this.db.open) return;
    // Leave an empty WAL behind (SQLite would also checkpoint when the last connection closes, but not
    // while another process has the database open). Waits at most a second for other connections.
    this.db.pragma("busy_timeout = 1000");
    this.checkpoint("TRUNCATE");
    this.db.close();
  }

  /**
   * Copy committed WAL frames into the database file. PASSIVE never waits for other connections; frames
   * it cannot copy now are copied by a later run. A failed checkpoint loses nothing (the frames stay in the
   * fsynced WAL), so errors are left to the next run and to commits, which report their own.
   */
  private checkpoint(mode: "PASSIVE" | "TRUNCATE"): void {
    try {
      if (this.db.open) this.db.pragma(`wal_checkpoint(${mode})`);
    } catch {
      // see above
    }
  }

  async commitSurveyGroups(groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> {
    this.activity.noteCommit();
    const commit = this.db.transaction(() => {
      const existing = new Map<string, StoredSurvey>();
      for (const { projectId, id } of groupKeys(groups)) {
        const row = this.selectSurvey.get(projectId, id) as SurveyRow | undefined;
        if (row)
          existing.set(surveyKey(projectId, id), {
            contentHash: String(row.content_hash),
            record: rowToSurvey(row),
          });
      }
      const plan = planCommit(groups, existing);
      for (const pending of plan.inserts)
        this.insertSurvey.run(surveyToRow(pending.record, pending.contentHash));
      return plan.outcomes;
    });
    // IMMEDIATE takes the write lock up front, so no other process can insert between lookup and insert.
    return commit.immediate();
  }

  async getSurvey(projectId: string, id: string): Promise<SurveyRecord | undefined> {
    const row = this.selectSurvey.get(projectId, id) as SurveyRow | undefined;
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
    const row = this.db.prepare("SELECT count(*) AS n FROM surveys WHERE project_id = ?").get(projectId) as {
      n: number;
    };
    return row.n;
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
    this.db
      .prepare(
        "INSERT INTO projects (id, name, allowed_origins, require_overall_rating, resource_id, survey_config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        project.id,
        project.name,
        JSON.stringify(project.allowedOrigins),
        project.requireOverallRating ? 1 : 0,
        project.resourceId,
        JSON.stringify(project.surveyConfig),
        Date.parse(project.createdAt),
      );
    return project;
  }

  async getProject(id: string): Promise<Project | undefined> {
    const row = this.db.prepare("SELECT * FROM projects WHERE id = ?").get(id) as
      | Record<string, unknown>
      | undefined;
    return row ? projectFromRow(row) : undefined;
  }

  async listProjects(): Promise<Project[]> {
    const rows = this.db.prepare("SELECT * FROM projects ORDER BY created_at, id").all() as Array<
      Record<string, unknown>
    >;
    return rows.map(projectFromRow);
  }

  async createApiKey(key: NewApiKey): Promise<ApiKey> {
    const createdAt = Date.now();
    this.db
      .prepare(
        "INSERT INTO api_keys (id, project_id, kind, label, prefix, token_hash, token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        key.id,
        key.projectId,
        key.kind,
        key.label,
        key.prefix,
        key.tokenHash,
        publicToken(key),
        createdAt,
      );
    return keyFromRow({
      ...key,
      project_id: key.projectId,
      token: publicToken(key),
      created_at: createdAt,
      revoked_at: null,
    });
  }

  async listApiKeys(projectId: string): Promise<ApiKey[]> {
    const rows = this.db
      .prepare("SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at, id")
      .all(projectId) as Array<Record<string, unknown>>;
    return rows.map(keyFromRow);
  }

  async revokeApiKey(projectId: string, keyId: string): Promise<boolean> {
    const result = this.db
      .prepare("UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL")
      .run(Date.now(), projectId, keyId);
    return result.changes === 1;
  }

  async findApiKeyByHash(tokenHash: string): Promise<ApiKey | undefined> {
    const row = this.db
      .prepare("SELECT * FROM api_keys WHERE token_hash = ? AND revoked_at IS NULL")
      .get(tokenHash) as Record<string, unknown> | undefined;
    return row ? keyFromRow(row) : undefined;
  }

  async updateSurveyConfig(projectId: string, config: SurveyConfig): Promise<boolean> {
    const result = this.db
      .prepare("UPDATE projects SET survey_config = ? WHERE id = ?")
      .run(JSON.stringify(config), projectId);
    return result.changes === 1;
  }

  async recordEvents(
    projectId: string,
    events: readonly SurveyEvent[],
    receivedAtMs: number,
  ): Promise<number> {
    const insert = this.db.prepare(
      `INSERT INTO survey_events (project_id, id, type, call_id, participant_id, survey_id, client_time, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, id) DO NOTHING`,
    );
    const write = this.db.transaction(() => {
      let created = 0;
      for (const e of events) {
        created += insert.run(
          projectId,
          e.id,
          e.type,
          e.callId,
          e.participantId,
          e.surveyId ?? null,
          e.clientTime,
          receivedAtMs,
        ).changes;
      }
      return created;
    });
    return write.immediate();
  }

  countEvents(
    projectId: string,
    range: { fromMs?: number; toMs?: number } = {},
  ): Promise<Record<SurveyEventType, number>> {
    return countEvents(this.run, projectId, range);
  }
}

/** `aftercall_dimension(dimensions, key)`: the value of `key` in a dimensions JSON text, or NULL. */
export function dimensionValue(dimensions: unknown, key: unknown): string | null {
  if (typeof dimensions !== "string" || typeof key !== "string") return null;
  const parsed = JSON.parse(dimensions) as Record<string, unknown>;
  const value = Object.hasOwn(parsed, key) ? parsed[key] : undefined;
  return typeof value === "string" ? value : null;
}
