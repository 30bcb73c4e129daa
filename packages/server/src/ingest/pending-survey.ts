import {
  type NetworkBandOverrides,
  networkBand,
  type SurveyRecord,
  type SurveySubmission,
  toSurveyRecord,
} from "@aftercall/schema";
import { submissionHash } from "./content-hash.js";

/** A validated survey about to be committed, with the hash of its submitted content. */
export interface PendingSurvey {
  record: SurveyRecord;
  /** Hash of the canonical submission; the same id with a different hash is a conflict. */
  contentHash: string;
  /** The dimensions the rollups count, when the project's caps folded some into `(other)`. */
  rollupDimensions?: Record<string, string>;
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

/**
 * The one way a validated submission becomes a survey to commit: its stored record (received now, in
 * this project, its free text passed through the project's redaction if any, its network band decided
 * from its call quality under the project's band thresholds `bands`) and the hash of what the client
 * sent, so a retry of the same content replays.
 */
export function toPendingSurvey(
  submission: SurveySubmission,
  at: { projectId: string; receivedAt: Date },
  redact?: (text: string) => string,
  bands?: NetworkBandOverrides,
): PendingSurvey {
  const record = toSurveyRecord(submission, at);
  // Decided once, at ingest: a later change of thresholds does not move stored surveys between bands.
  const band = record.callQuality && networkBand(record.callQuality, bands);
  if (band) record.networkBand = band;
  // The hash is of what the client sent, so a retry replays whatever redaction changed in the record.
  if (redact)
    for (const rating of Object.values(record.ratings))
      if (rating.improvementSuggestion !== undefined)
        rating.improvementSuggestion = redact(rating.improvementSuggestion);
  return { record, contentHash: submissionHash(submission) };
}
