import type { Logger } from "pino";
import type { Database } from "./database.js";

/**
 * Whether the store can commit, as `/readyz` reports it: a one-row write committed at most once per
 * check interval (so `/readyz` stays cheap however often it is polled), and any commit that failed
 * within that interval. Failed commits are logged one line per log interval with how many failed,
 * never a stack per request: a full disk under load would otherwise fill what is left of it with logs.
 *
 * @module
 */

/** Why the store refused a commit: a full disk, a read-only store, or a store that does not answer. */
export type StoreFailureKind = "disk-full" | "read-only" | "unavailable";

const SQLITE_UNAVAILABLE = /^SQLITE_(IOERR|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PROTOCOL)/;
const NODE_UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * The kind of store failure `error` (or its cause) is, or undefined when it is not one: SQLite's
 * SQLITE_FULL, ENOSPC and PostgreSQL's 53100 (disk full), SQLITE_READONLY and 25006 (read-only), I/O and
 * connection errors and PostgreSQL's classes 08, 53 and 57 (unavailable).
 */
export function storeFailureKind(error: unknown): StoreFailureKind | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = String((e as { code?: unknown }).code ?? "");
    if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "53100") return "disk-full";
    if (code.startsWith("SQLITE_READONLY") || code === "25006" || code === "EROFS") return "read-only";
    if (SQLITE_UNAVAILABLE.test(code) || NODE_UNAVAILABLE.has(code)) return "unavailable";
    if (/^(08|53|57)[0-9A-Z]{3}$/.test(code) || code.startsWith("CONNECTION_")) return "unavailable";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface StoreHealthOptions {
  /** How long a probe's answer (and a failed commit) counts, ms; default 2000. */
  checkMs?: number;
  /** Most one line about failed commits per this many ms; default 30 000. */
  logEveryMs?: number;
  now?: () => number;
}

export type Readiness = { ready: true } | { ready: false; reason: StoreFailureKind };

const PROBE_ROW = "readiness";

/** See the module comment. One per app. */
export class StoreHealth {
  private readonly checkMs: number;
  private readonly logEveryMs: number;
  private readonly now: () => number;
  private probed: { at: number; readiness: Readiness } | undefined;
  private probing: Promise<Readiness> | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;
  private failedKind: StoreFailureKind = "unavailable";
  /** Failures not yet reported in a log line, and when the last line was written. */
  private unreported = 0;
  private loggedAt = Number.NEGATIVE_INFINITY;
  private failing = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: StoreHealthOptions = {},
  ) {
    this.checkMs = options.checkMs ?? 2_000;
    this.logEveryMs = options.logEveryMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Ready when a commit failed no sooner than the check interval ago and the last probe committed. */
  async readiness(): Promise<Readiness> {
    const now = this.now();
    if (now - this.failedAt < this.checkMs) return { ready: false, reason: this.failedKind };
    if (this.probed && now - this.probed.at < this.checkMs) return this.probed.readiness;
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** A commit failed (`cause`: the driver's error): not ready for a check interval, and counted for the log. */
  noteFailure(cause: unknown): void {
    const now = this.now();
    this.failedAt = now;
    this.failedKind = storeFailureKind(cause) ?? "unavailable";
    this.unreported++;
    this.failing = true;
    if (now - this.loggedAt < this.logEveryMs) return;
    const error = cause as { code?: unknown; message?: unknown } | undefined;
    this.logger.error(
      {
        reason: this.failedKind,
        code: error?.code === undefined ? undefined : String(error.code),
        error: typeof error?.message === "string" ? error.message.slice(0, 300) : undefined,
        failedCommits: this.unreported,
        nextReportInSeconds: Math.round(this.logEveryMs / 1000),
      },
      "the store refused commits; answering 503 with Retry-After",
    );
    this.loggedAt = now;
    this.unreported = 0;
  }

  private async probe(): Promise<Readiness> {
    let readiness: Readiness = { ready: true };
    try {
      await this.db.run(
        "INSERT INTO store_probe (id, stamp) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp",
        [PROBE_ROW, this.now()],
      );
    } catch (cause) {
      this.noteFailure(cause);
      readiness = { ready: false, reason: this.failedKind };
    }
    if (readiness.ready && this.failing && this.now() - this.failedAt >= this.checkMs) {
      this.failing = false;
      this.logger.warn({ failedCommits: this.unreported }, "the store commits again");
      this.unreported = 0;
      this.loggedAt = Number.NEGATIVE_INFINITY;
    }
    this.probed = { at: this.now(), readiness };
    return readiness;
  }
}
