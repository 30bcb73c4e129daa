import type {
  RatingCategory,
  SurveyConfig,
  SurveyEvent,
  SurveyEventType,
  SurveyRecord,
} from "@aftercall/schema";
import type { DeliveryStore } from "./delivery-store.js";

/** A project: one app or tenant (the ACS "resource"). Every survey and key belongs to exactly one. */
export interface Project {
  id: string;
  name: string;
  /** Browser origins allowed to submit with the ingest key; empty means any origin. */
  allowedOrigins: string[];
  /** Reject surveys without `overallRating` (default true; false mirrors ACS web). */
  requireOverallRating: boolean;
  /** Azure-style resource id written into ACS-format records. */
  resourceId: string;
  /** What clients ask and whom (served by `GET /v1/config`). */
  surveyConfig: SurveyConfig;
  createdAt: string;
}

/** A project to create; without a survey configuration it gets the defaults. */
export type NewProject = Omit<Project, "createdAt" | "surveyConfig"> & { surveyConfig?: SurveyConfig };

/** `ingest` keys are publishable and may only submit; `admin` tokens are secret and may read and manage. */
export type ApiKeyKind = "ingest" | "admin";

/** An API key as listed: admin tokens never carry their secret, ingest keys do (they are public). */
export interface ApiKey {
  id: string;
  projectId: string;
  kind: ApiKeyKind;
  label: string;
  /** First characters of the token, to recognise it in lists. */
  prefix: string;
  /** Full token, for ingest keys only. */
  token?: string;
  createdAt: string;
  revokedAt?: string;
}

export interface NewApiKey {
  id: string;
  projectId: string;
  kind: ApiKeyKind;
  label: string;
  prefix: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  /** Stored only for ingest keys. */
  token?: string;
}

/** A validated survey about to be committed, with the hash of its submitted content. */
export interface PendingSurvey {
  record: SurveyRecord;
  /** Hash of the canonical submission; the same id with a different hash is a conflict. */
  contentHash: string;
}

/** The surveys of one request (one, or one batch). A group commits whole or not at all. */
export type SurveyGroup = readonly PendingSurvey[];

/** What became of one survey of a committed group. */
export interface CommittedSurvey {
  /** `false` when the survey was already stored with the same content (an idempotent retry). */
  created: boolean;
  /** The stored record; for a retry, the one stored the first time. */
  record: SurveyRecord;
}

export type GroupOutcome =
  | { status: "committed"; surveys: CommittedSurvey[] }
  | { status: "conflict"; conflictingIds: string[] };

/** Filters of the survey list; all optional, combined with AND. */
export interface SurveyQuery {
  /** Inclusive lower bound of `receivedAt`, epoch ms. */
  fromMs?: number;
  /** Exclusive upper bound of `receivedAt`, epoch ms. */
  toMs?: number;
  /** Only surveys rated poor in any of these categories. */
  poor?: RatingCategory[];
  /** Only surveys carrying this issue tag in this category. */
  tag?: { category: RatingCategory; tag: string };
  callId?: string;
  participantId?: string;
  /** Case-insensitive substring of the improvement suggestion of any category (Unicode lower case). */
  q?: string;
  /** Exact values of the context fields. */
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  /** Exact values of custom dimensions, every one must match (a survey without the key does not). */
  dimensions?: Record<string, string>;
}

/** Aggregates of one rating category over the surveys matching a query (see {@link Store.summarizeSurveys}). */
export interface CategorySummary {
  category: RatingCategory;
  /** Surveys that rated this category. */
  surveys: number;
  /** Of those, rated poor (`score <= threshold` of the record's own scale). */
  poor: number;
  /** Sum of `(score - lower) / (upper - lower)`, so the mean is `normalizedScoreSum / surveys`. */
  normalizedScoreSum: number;
  /** Ratings per scale and score, keyed `"lower-upper:score"` (scales may be mixed within a project). */
  distribution: Record<string, number>;
}

export interface SurveySummary {
  /** Every matching survey, whichever categories it rated. */
  surveys: number;
  /** One entry per rating category, in catalogue order. */
  categories: CategorySummary[];
}

/** How often an issue tag was chosen in one category, overall and among poor ratings. */
export interface IssueTagCount {
  category: RatingCategory;
  tag: string;
  count: number;
  poorCount: number;
}

/** Counts and score sum of one rating category over a group of surveys (a time slot, a breakdown value). */
export interface RatingAggregate {
  /** Surveys that rated the category. */
  surveys: number;
  /** Of those, rated poor. */
  poor: number;
  /** Sum of the normalized scores, so the mean is `normalizedScoreSum / surveys`. */
  normalizedScoreSum: number;
}

/** Length of the time slots of {@link Store.ratingTimeSlots}: 15 minutes, a divisor of every UTC offset in use. */
export const TIME_SLOT_MS = 15 * 60_000;

/** A {@link TIME_SLOT_MS} slot of `receivedAt`, starting at `startMs` (epoch ms, a multiple of the slot). */
export interface TimeSlotAggregate extends RatingAggregate {
  startMs: number;
}

/** A custom dimension key and the number of surveys that carry it. */
export interface DimensionKeyCount {
  key: string;
  surveys: number;
}

/** What a breakdown groups by: a context column or one key of the custom dimensions. */
export type BreakdownField = "appVersion" | "platform" | "browser" | "sdkVersion";
export type BreakdownBy = BreakdownField | `dimension:${string}`;

/** One value of a breakdown; `null` when the survey carries no value. */
export interface BreakdownAggregate extends RatingAggregate {
  value: string | null;
}

export interface SurveyPage {
  items: SurveyRecord[];
  /** Opaque cursor of the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/**
 * Durable storage of projects, keys and surveys. Two engines implement it (SQLite embedded, PostgreSQL
 * for scale-out); one contract test suite proves they behave the same.
 */
export interface Store {
  readonly engine: "sqlite" | "postgres";
  /** Diagnostic settings, destination state and the delivery log (the outbox). */
  readonly delivery: DeliveryStore;
  /** Apply pending migrations (safe to call from several processes at once). */
  migrate(): Promise<void>;
  /** Resolve when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Commit the groups in one durable transaction. Retries of stored surveys are answered from the stored
   * record; a group with any conflicting survey writes nothing. Resolves only after the commit is durable.
   */
  commitSurveyGroups(groups: readonly SurveyGroup[]): Promise<GroupOutcome[]>;
  getSurvey(projectId: string, id: string): Promise<SurveyRecord | undefined>;
  /** Newest first, keyset-paginated. */
  listSurveys(
    projectId: string,
    query: SurveyQuery,
    page: { limit: number; cursor?: string },
  ): Promise<SurveyPage>;
  /** Every matching survey, oldest first, streamed in chunks. */
  exportSurveys(projectId: string, query: SurveyQuery): AsyncIterable<SurveyRecord>;
  countSurveys(projectId: string): Promise<number>;
  /** Per-category aggregates of the matching surveys, in one query over the raw rows. */
  summarizeSurveys(projectId: string, query: SurveyQuery): Promise<SurveySummary>;
  /** Issue tag counts of the matching surveys, per category (only tags that occur). */
  issueTagCounts(projectId: string, query: SurveyQuery): Promise<IssueTagCount[]>;
  /** One category's aggregates per non-empty {@link TIME_SLOT_MS} slot of `receivedAt`, oldest first. */
  ratingTimeSlots(
    projectId: string,
    query: SurveyQuery,
    category: RatingCategory,
  ): Promise<TimeSlotAggregate[]>;
  /** One category's aggregates per value of `by` (every value that occurs, unordered). */
  ratingBreakdown(
    projectId: string,
    query: SurveyQuery,
    category: RatingCategory,
    by: BreakdownBy,
  ): Promise<BreakdownAggregate[]>;
  /** The custom dimension keys of the matching surveys, with how many surveys carry each (unordered). */
  dimensionKeys(projectId: string, query: SurveyQuery): Promise<DimensionKeyCount[]>;

  createProject(project: NewProject): Promise<Project>;
  getProject(id: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;
  createApiKey(key: NewApiKey): Promise<ApiKey>;
  listApiKeys(projectId: string): Promise<ApiKey[]>;
  /** Returns false when no such active key exists in the project. */
  revokeApiKey(projectId: string, keyId: string): Promise<boolean>;
  /** The active key with this token hash, if any. */
  findApiKeyByHash(tokenHash: string): Promise<ApiKey | undefined>;
  /** Replace a project's survey configuration; false when the project does not exist. */
  updateSurveyConfig(projectId: string, config: SurveyConfig): Promise<boolean>;

  /** Durably store lifecycle events, ignoring ids already stored; resolves with how many were new. */
  recordEvents(projectId: string, events: readonly SurveyEvent[], receivedAtMs: number): Promise<number>;
  /** Count a project's lifecycle events by type, optionally within `[fromMs, toMs)`. */
  countEvents(
    projectId: string,
    range?: { fromMs?: number; toMs?: number },
  ): Promise<Record<SurveyEventType, number>>;
}
