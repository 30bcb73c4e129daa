/**
 * The archive layout Azure Monitor uses for storage-account diagnostic settings (acs-spec §4.3), shared by
 * the blob, S3 and directory destinations:
 *
 *   insights-logs-<category>/resourceId=<RESOURCE ID>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json
 *
 * one object per project, category and UTC hour of the record's receive time (`m=00` always), one JSON
 * object per line.
 */
import { type DeliveryBatch, DeliveryFailure, type LogCategory } from "../destination.js";
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
}

/** `insights-logs-callsurvey` for `CallSurvey`: Azure lower-cases the category in container names. */
export function archiveContainer(category: LogCategory): string {
  return `insights-logs-${category.toLowerCase()}`;
}

/**
 * The path of the hour object below the container. Azure writes resource ids upper-cased. The id comes
 * from project settings, so segments that could climb out of a directory (`..`, `.`, empty) or are not
 * portable (`\`, NUL) are refused rather than written.
 */
export function archiveBlobName(resourceId: string, timeMs: number): string {
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
    `/d=${pad(time.getUTCDate())}/h=${pad(time.getUTCHours())}/m=00/PT1H.json`
  );
}

/** Group a batch into hour objects, keeping batch order within each and ordering objects by first use. */
export function archiveChunks(batch: DeliveryBatch): ArchiveChunk[] {
  const chunks = new Map<string, ArchiveChunk>();
  for (const record of batch.records) {
    const container = archiveContainer(record.category);
    const name = archiveBlobName(batch.resourceId, record.timeMs);
    const key = `${container}/${name}`;
    let chunk = chunks.get(key);
    if (!chunk) {
      chunk = { container, name, text: "", count: 0 };
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
 * Append a batch hour object by hour object, in order, stopping at an abort. `failure` turns an error of
 * one append into the operator-readable `DeliveryFailure` (it must drop anything secret, e.g. signed URLs).
 */
export async function appendChunks(
  batch: DeliveryBatch,
  signal: AbortSignal,
  append: (chunk: ArchiveChunk, signal: AbortSignal) => Promise<void>,
  failure: (error: unknown, chunk: ArchiveChunk) => Error,
): Promise<void> {
  for (const chunk of archiveChunks(batch)) {
    throwIfAborted(signal);
    try {
      await append(chunk, signal);
    } catch (error) {
      throw failure(error, chunk);
    }
  }
}
