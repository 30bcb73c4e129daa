/**
 * The archive layout Azure Monitor uses for storage-account diagnostic settings (acs-spec §4.3), shared by
 * the blob, S3 and directory destinations:
 *
 *   insights-logs-<category>/resourceId=<RESOURCE ID>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json
 *
 * one object per project, category and UTC hour of the record's receive time (`m=00` always), one JSON
 * object per line. Stores that cannot append (S3) write one object per delivered batch instead, below the
 * same hour prefix and named so that names sort in log order (`part-<first seq>-<last seq>.json`).
 *
 * An erasure's tombstone is not a line in a log that is never rewritten: it becomes an erasure manifest,
 * one object per erasure beside the hour objects, in the `insights-logs-callsurveydeleted` container:
 *
 *   insights-logs-callsurveydeleted/resourceId=<RESOURCE ID>/y=…/h=HH/m=00/erasure-<erasure id>.json
 */
import { createHash } from "node:crypto";
import { type DeliveryBatch, DeliveryFailure, type RecordCategory } from "../destination.js";
import { throwIfAborted } from "./abort.js";

/** One hour object of a batch: where it goes and the lines to append, in batch order. */
export interface ArchiveChunk {
  /** `insights-logs-callsurvey` (the blob container; the first path segment elsewhere). */
  container: string;
  /** `resourceId=/SUBSCRIPTIONS/…/y=2026/m=11/d=01/h=13/m=00/PT1H.json` */
  name: string;
  /** Every record as one JSON line, each ending in `\n`. */
  text: string;
  /** How many records the text holds. */
  count: number;
  /** The object is written whole (created or replaced, the same on a retry), not appended to. */
  whole: boolean;
}

/** How a store keeps the records of an hour: appended to `PT1H.json`, or one object per batch. */
export type HourObjects = "append" | "part";

/** `insights-logs-callsurvey` for `CallSurvey`: Azure lower-cases the category in container names. */
export function archiveContainer(category: RecordCategory): string {
  return `insights-logs-${category.toLowerCase()}`;
}

/**
 * The path of the hour object below the container. Azure writes resource ids upper-cased. The id comes
 * from project settings, so segments that could climb out of a directory (`..`, `.`, empty) or are not
 * portable (`\`, NUL) are refused rather than written.
 */
export function archiveBlobName(resourceId: string, timeMs: number): string {
  return `${archiveHourPath(resourceId, timeMs)}/PT1H.json`;
}

/** `resourceId=/SUBSCRIPTIONS/…/y=2026/m=11/d=01/h=13/m=00`: the hour's prefix (see {@link archiveBlobName}). */
export function archiveHourPath(resourceId: string, timeMs: number): string {
  const id = `/${resourceId.toUpperCase().replace(/^\/+|\/+$/g, "")}`;
  const segments = id.slice(1).split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || /[\\\0]/.test(s))) {
    throw new DeliveryFailure(
      "the project's resourceId cannot be used in an archive path (empty, '.' or '..' segments, '\\' or NUL)",
      false,
    );
  }
  const time = new Date(timeMs);
  if (Number.isNaN(time.getTime()))
    throw new DeliveryFailure(`record time ${timeMs} is not a valid time`, false);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `resourceId=${id}/y=${time.getUTCFullYear()}/m=${pad(time.getUTCMonth() + 1)}` +
    `/d=${pad(time.getUTCDate())}/h=${pad(time.getUTCHours())}/m=00`
  );
}

/**
 * The object name of a whole batch (`part` hour objects): the batch's log range, zero-padded so names
 * sort in log order, and the same on every retry of the batch, which then replaces what it wrote.
 */
export function partName(batch: Pick<DeliveryBatch, "id">): string {
  const range = /:(\d+)-(\d+)$/.exec(batch.id);
  if (!range) return `part-${createHash("sha256").update(batch.id).digest("hex").slice(0, 20)}.json`;
  const pad = (seq: string | undefined) => String(seq).padStart(20, "0");
  return `part-${pad(range[1])}-${pad(range[2])}.json`;
}

/** The erasure id of a tombstone record (`CallSurveyDeleted:<erasure id>`). */
const erasureIdOf = (recordId: string) => recordId.slice(recordId.indexOf(":") + 1);

/**
 * Group a batch into the objects to write, keeping batch order within each and ordering objects by first
 * use: hour objects (appended, or one per batch), and an erasure manifest per tombstone.
 */
export function archiveChunks(batch: DeliveryBatch, hourObjects: HourObjects = "append"): ArchiveChunk[] {
  const chunks = new Map<string, ArchiveChunk>();
  const part = hourObjects === "part" ? partName(batch) : "PT1H.json";
  for (const record of batch.records) {
    const container = archiveContainer(record.category);
    const hour = archiveHourPath(batch.resourceId, record.timeMs);
    const tombstone = record.category === "CallSurveyDeleted";
    const name = `${hour}/${tombstone ? `erasure-${erasureIdOf(record.id)}.json` : part}`;
    const key = `${container}/${name}`;
    let chunk = chunks.get(key);
    if (!chunk) {
      chunk = { container, name, text: "", count: 0, whole: tombstone || hourObjects === "part" };
      chunks.set(key, chunk);
    }
    chunk.text += `${JSON.stringify(record.body)}\n`;
    chunk.count++;
  }
  return [...chunks.values()];
}

/**
 * Split `text` into pieces of at most `maxBytes` UTF-8 bytes, cutting after a newline whenever a line fits,
 * so that a retry after a partly written chunk repeats whole lines instead of leaving a torn one. A single
 * line longer than `maxBytes` is cut inside (its pieces still concatenate to the line).
 */
export function splitLines(text: string, maxBytes: number): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const pieces: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    if (end < bytes.length) {
      const newline = bytes.lastIndexOf(0x0a, end - 1);
      if (newline >= start) end = newline + 1;
    }
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces;
}

/**
 * Write a batch object by object (see {@link archiveChunks}), in order, stopping at an abort. `failure` turns an error of
 * one append into the operator-readable `DeliveryFailure` (it must drop anything secret, e.g. signed URLs).
 */
export async function appendChunks(
  batch: DeliveryBatch,
  signal: AbortSignal,
  append: (chunk: ArchiveChunk, signal: AbortSignal) => Promise<void>,
  failure: (error: unknown, chunk: ArchiveChunk) => Error,
  hourObjects: HourObjects = "append",
): Promise<void> {
  for (const chunk of archiveChunks(batch, hourObjects)) {
    throwIfAborted(signal);
    try {
      await append(chunk, signal);
    } catch (error) {
      throw failure(error, chunk);
    }
  }
}
