import type {
  CallSurvey,
  CallSurveyResponse,
  SurveyConfig,
  SurveyEventType,
  ValidationIssue,
} from "@aftercall/schema";

/**
 * Key-value persistence for unsent surveys, events and cooldowns. `localStorage` fits as is; any async
 * store (IndexedDB wrapper, AsyncStorage, a file in Node) fits too.
 */
export interface SurveyStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Options of {@link createSurveyClient}. */
export interface SurveyClientOptions {
  /** Base URL of the Aftercall server, e.g. `https://surveys.example.com`. */
  endpoint: string;
  /** The project's publishable ingest key (`ac_pk_…`). */
  projectKey: string;
  /** Defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Defaults to `localStorage` where available, else memory (nothing survives a restart). */
  storage?: SurveyStorage;
  /** Delivery retries on network errors, 5xx and 429 (never on other 4xx). Defaults: 5 attempts, 500 ms doubling to 30 s, with jitter. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Sent with every survey for breakdowns. */
  context?: { appVersion?: string; platform?: string; browser?: string; dimensions?: Record<string, string> };
}

/** The call a survey is about. */
export interface CallIdentity {
  callId: string;
  participantId: string;
}

/** What the app knows about the call that just ended, for {@link SurveyClient.shouldAsk}. */
export interface CallInfo extends CallIdentity {
  /** Seconds the participant was in the call. */
  durationSeconds?: number;
  /** The participant never managed to join. */
  joinFailed?: boolean;
  /** The participant was removed by someone else. */
  removedFromCall?: boolean;
  /** The participant left this room for another part of the same call (a breakout room): not an end. */
  movedToBreakout?: boolean;
}

/** Why a survey is or is not shown. */
export type AskReason =
  | "ok"
  | "sampled-out"
  | "too-short"
  | "cooldown"
  | "join-failed"
  | "removed-from-call"
  | "moved-to-breakout";

export interface AskDecision {
  ask: boolean;
  reason: AskReason;
}

/** Failure kinds, each a distinct thing the app may handle. */
export type SurveyErrorKind =
  | "validation"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | "rate-limited"
  | "network"
  | "server"
  | "config";

/**
 * A failed outcome. `code` is an HTTP-like status as in ACS's `{ message, code }` errors (400 for
 * validation, 408 when the network failed), so ACS error handling keeps working.
 */
export interface SurveyError {
  kind: SurveyErrorKind;
  message: string;
  code: number;
  /** For `validation`: every problem, with its field path. */
  errors?: ValidationIssue[];
}

/** Outcome of a submission, as a value. `queued` means persisted on the device and retried until delivered. */
export type SubmitResult =
  | { ok: true; status: "delivered" | "queued"; response: CallSurveyResponse }
  | { ok: false; error: SurveyError };

/** Options of one {@link CallSurveyFeature.send}. */
export interface SendOptions {
  /**
   * `true` (default): a survey that cannot be delivered now is kept on the device and re-sent until it
   * is (status `queued`). `false`: one attempt, never stored; a network failure is the error (code 408).
   */
  queue?: boolean;
}

/** The per-call feature, shaped like ACS `CallSurveyFeature`. */
export interface CallSurveyFeature {
  /**
   * ACS-compatible: resolves with the response once the survey is delivered or safely queued for
   * delivery; rejects with a {@link SurveyError} only for failures a retry cannot fix.
   */
  submitSurvey(survey: CallSurvey): Promise<CallSurveyResponse>;
  /** The same as {@link submitSurvey}, but every outcome is a value. */
  send(survey: CallSurvey, options?: SendOptions): Promise<SubmitResult>;
  /** Record a lifecycle event (`shown`, `dismissed`); `submitted` is recorded by `send` itself. */
  track(type: Exclude<SurveyEventType, "submitted">): Promise<void>;
}

/** Remote configuration as the client sees it; `source` tells whether it came from the server. */
export interface ClientConfig {
  config: SurveyConfig;
  requireOverallRating: boolean;
  source: "server" | "cache" | "default";
}

export interface SurveyClient {
  forCall(call: CallIdentity): CallSurveyFeature;
  /** The project's survey configuration (cached; falls back to the last known or the defaults). */
  getConfig(): Promise<ClientConfig>;
  /** Whether to show the survey after this call: sampling, minimum duration, cooldown, do-not-ask rules. */
  shouldAsk(call: CallInfo): Promise<AskDecision>;
  /** Try to deliver everything still queued now (also runs on creation and when the page comes back online). */
  flush(): Promise<void>;
  /** Number of surveys and events waiting for delivery. */
  pending(): Promise<number>;
}
