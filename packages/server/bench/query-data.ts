/**
 * Generated surveys for `npm run bench:query`: a project's last `days` days, with a daily rhythm, app
 * releases every 12 days (three versions live at a time, one of them a bad release), five platform and
 * browser pairs, custom dimensions, issue tags that go with low scores, and a suggestion on some
 * ratings. Written straight into `surveys` and the outbox in large batches, then folded into the rollups.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { networkBand, type SurveySubmission, toSurveyRecord } from "@aftercall/schema";
import { drawCondition, syntheticCallQuality } from "../src/demo/call-quality.js";
import type { Database } from "../src/store/database.js";
import { type SurveyRow, surveyToRow } from "../src/surveys/survey-row.js";
import { startPostgres } from "../test/support/postgres.js";
import { SUGGESTIONS as BASE_SUGGESTIONS, PLATFORMS } from "./survey-body.js";

const DAY = 86_400_000;
const RELEASE_DAYS = 12;
const SUGGESTIONS = [...BASE_SUGGESTIONS, "Die Übertragung brach zweimal ab."];
const REGIONS = ["eu-west", "eu-north", "us-east", "us-west", "ap-southeast"];
const AUDIO_TAGS = ["Echo", "AudioNoise", "LowVolume", "NoRemoteAudio", "DistortedSpeech"] as const;
const VIDEO_TAGS = ["Freezes", "LowQuality", "AudioVideoOutOfSync", "NoVideoReceived"] as const;

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SurveyGenerator {
  private readonly rand: () => number;

  constructor(
    private readonly projectId: string,
    private readonly endMs: number,
    private readonly days: number,
    seed = 1,
  ) {
    this.rand = random(seed);
  }

  /** A time in the range, busier during the (UTC) working day. */
  private time(): number {
    for (;;) {
      const at = this.endMs - Math.floor(this.rand() * this.days * DAY);
      const hour = new Date(at).getUTCHours();
      if (this.rand() < (hour >= 7 && hour <= 19 ? 1 : 0.3)) return at;
    }
  }

  private score(poorChance: number, lower = 1, upper = 5, threshold = 2): number {
    return this.rand() < poorChance
      ? lower + Math.floor(this.rand() * (threshold - lower + 1))
      : threshold + 1 + Math.floor(this.rand() * (upper - threshold));
  }

  private tags<T extends string>(list: readonly T[], poor: boolean): T[] {
    return poor ? list.filter(() => this.rand() < 0.35) : this.rand() < 0.05 ? [list[0] as T] : [];
  }

  /** One survey row, as the store would write it. */
  next(): SurveyRow {
    const r = this.rand;
    const at = this.time();
    const release = Math.floor(at / (RELEASE_DAYS * DAY));
    const age = r() < 0.6 ? 0 : r() < 0.75 ? 1 : 2;
    const minor = release - age;
    const bad = minor % 5 === 0; // every fifth release is a bad one
    const poorChance = bad ? 0.3 : 0.1;
    const [platform, browser] = PLATFORMS[Math.floor(r() * PLATFORMS.length)] as readonly [string, string];
    const suggestion = () =>
      r() < 0.08
        ? { improvementSuggestion: SUGGESTIONS[Math.floor(r() * SUGGESTIONS.length)] as string }
        : {};
    const overall = this.score(poorChance);
    const sub: SurveySubmission = {
      id: randomUUID(),
      callId: randomUUID(),
      participantId: `8:acs:${randomUUID()}`,
      clientTime: new Date(at).toISOString(),
      overallRating: { score: overall, ...suggestion() },
      appVersion: `4.${minor % 1000}.0`,
      platform,
      browser,
      sdkVersion: `1.${Math.floor(minor / 3) % 100}.0`,
      dimensions: { region: REGIONS[Math.floor(r() * REGIONS.length)] as string },
    };
    if (r() < 0.6) {
      const score = this.score(poorChance);
      sub.audioRating = { score, issues: this.tags(AUDIO_TAGS, score <= 2), ...suggestion() };
    }
    if (r() < 0.4) {
      const score = this.score(poorChance);
      sub.videoRating = { score, issues: this.tags(VIDEO_TAGS, score <= 2) };
    }
    if (r() < 0.15) {
      const scale = { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 };
      sub.screenshareRating = { score: this.score(poorChance, 0, 10, 4), scale };
    }
    // Call quality as the demo makes it: good networks asked one call in four.
    const condition = drawCondition(r);
    sub.callQuality = syntheticCallQuality(r, condition, { video: sub.videoRating !== undefined });
    sub.askProbability = condition === "good" ? 0.25 : 1;
    const record = toSurveyRecord(sub, { projectId: this.projectId, receivedAt: new Date(at) });
    const band = networkBand(sub.callQuality);
    if (band) record.networkBand = band;
    return surveyToRow(record, createHash("sha256").update(sub.id).digest("hex"));
  }
}

/**
 * Insert `rows` into `surveys`, with their outbox entries, as fast as the engine allows; fold them into
 * the rollups afterwards ({@link foldAll}).
 */
export type BulkInsert = (rows: readonly SurveyRow[]) => Promise<void>;

/** Opens a bulk writer on the store's own database (a second connection). */
export async function bulkInserter(
  db: Database,
  location: { engine: "sqlite"; path: string } | { engine: "postgres"; url: string },
): Promise<{ insert: BulkInsert; close(): Promise<void> }> {
  const { SURVEY_COLUMNS, SURVEY_COLUMN_TYPES } = await import("../src/surveys/survey-row.js");
  if (location.engine === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(location.path);
    // A bulk load, not acknowledged ingestion: no fsync per transaction.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    db.pragma("busy_timeout = 10000");
    const insert = db.prepare(
      `INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")}) VALUES (${SURVEY_COLUMNS.map((c) => `@${c}`).join(", ")})`,
    );
    // Each survey's outbox entry, as a commit writes it: the rollups are folded from the outbox.
    const append = db.prepare(
      "INSERT INTO delivery_log (project_id, category, item_id, received_at) VALUES (?, 'CallSurvey', ?, ?)",
    );
    const many = db.transaction((rows: readonly SurveyRow[]) => {
      for (const row of rows) {
        insert.run(row);
        append.run(row.project_id, row.id, row.received_at);
      }
    });
    return {
      insert: async (rows) => many(rows),
      close: async () => {
        db.pragma("wal_checkpoint(TRUNCATE)");
        db.close();
      },
    };
  }
  void db;
  const { default: postgres } = await import("postgres");
  const sql = postgres(location.url, { max: 1, onnotice: () => {} });
  const { postgresAppendSql } = await import("../src/outbox/outbox.js");
  // The surveys and their outbox entries in one statement, as a commit writes them.
  const statement = `WITH inserted AS (INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")}) SELECT * FROM unnest(${SURVEY_COLUMN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) RETURNING project_id, id, received_at)
${postgresAppendSql("inserted", "CallSurvey")}`;
  return {
    insert: async (rows) => {
      const columns = SURVEY_COLUMNS.map((c) => rows.map((row) => row[c] ?? null));
      await sql.unsafe(statement, columns as never[]);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Fold every survey of `projectId` into the rollups (after a bulk load), in large batches. */
export async function foldAll(db: Database, projectId: string, log: (line: string) => void): Promise<void> {
  const { foldProject } = await import("../src/analytics/rollup-folder.js");
  let total = 0;
  for (;;) {
    const { folded } = await foldProject(db, projectId, { batchSize: 20_000 });
    if (folded === 0) return;
    total += folded;
    if (total % 1_000_000 < 20_000) log(`bench: folded ${total.toLocaleString("en")} surveys`);
  }
}

/**
 * Prune the loaded outbox as a running server would have: delivered entries (the project has no
 * destinations, so every entry) older than the backfill horizon. A bulk load writes 90 days of outbox
 * entries at once; left in place, the server's first minutes go to pruning that backlog (measured at
 * 10M on SQLite: dashboard requests 5–8× slower meanwhile), which is not the steady state the benches
 * measure.
 */
export async function pruneLoadedOutbox(
  db: Database,
  projectId: string,
  log: (line: string) => void,
): Promise<void> {
  const { pruneOutboxBatch, DEFAULT_BACKFILL_HORIZON_DAYS } = await import(
    "../src/lifecycle/outbox-pruning.js"
  );
  let total = 0;
  for (;;) {
    const pruned = await pruneOutboxBatch(db, projectId, {
      nowMs: Date.now(),
      horizonDays: DEFAULT_BACKFILL_HORIZON_DAYS,
      limit: 50_000,
    });
    if (pruned === 0) break;
    total += pruned;
    if (total % 1_000_000 < 50_000) log(`bench: pruned ${total.toLocaleString("en")} outbox entries`);
  }
  log(`bench: pruned ${total.toLocaleString("en")} outbox entries older than the backfill horizon`);
}

export type BenchLocation = { engine: "sqlite"; dataDir: string } | { engine: "postgres"; url: string };

/**
 * The store a bench measures: `--data-dir` / `--database-url` when given (kept, so a loaded store can be
 * measured again), else a temp directory or a throwaway PostgreSQL that `cleanup` removes.
 */
export async function benchStore(
  engine: "sqlite" | "postgres",
  given: { dataDir?: string | undefined; databaseUrl?: string | undefined },
  tempPrefix: string,
): Promise<{ location: BenchLocation; storeArgs: string[]; cleanup: () => Promise<void> }> {
  if (engine === "sqlite") {
    if (given.dataDir) {
      mkdirSync(given.dataDir, { recursive: true });
      return {
        location: { engine, dataDir: given.dataDir },
        storeArgs: ["--data-dir", given.dataDir],
        cleanup: async () => {},
      };
    }
    const dir = mkdtempSync(join(tmpdir(), tempPrefix));
    return {
      location: { engine, dataDir: dir },
      storeArgs: ["--data-dir", dir],
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const pg = given.databaseUrl ? undefined : await startPostgres();
  const url = given.databaseUrl ?? (pg?.url as string);
  return {
    location: { engine, url },
    storeArgs: ["--database-url", url],
    cleanup: async () => pg?.stop(),
  };
}
