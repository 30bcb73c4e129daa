import { BUCKETS as API_BUCKETS } from "@aftercall/api";
/**
 * Folding of 15-minute time slots into hour, day and week buckets of an IANA time zone, with
 * Intl.DateTimeFormat (so DST is handled: a day may last 23 or 25 hours). Weeks start on Monday.
 * Exact for every zone whose UTC offset is a multiple of 15 minutes (all offsets in use since 1979).
 */
import type { RatingAggregate, TimeSlotAggregate } from "./aggregates.js";

export const BUCKETS = API_BUCKETS;
export type Bucket = (typeof BUCKETS)[number];

export interface BucketAggregate extends RatingAggregate {
  /** First instant of the bucket, epoch ms. */
  startMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Memo of {@link resolveTimeZone}: building an Intl.DateTimeFormat costs ~50 µs per request. */
const resolved = new Map<string, string | undefined>();
/** More distinct names than any dashboard sends; past it the memo starts over rather than grow. */
const MEMO_LIMIT = 512;

/** The canonical name of a time zone Intl knows, or undefined. */
export function resolveTimeZone(tz: string): string | undefined {
  if (resolved.has(tz)) return resolved.get(tz);
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    name = undefined;
  }
  if (resolved.size >= MEMO_LIMIT) resolved.clear();
  resolved.set(tz, name);
  return name;
}

interface WallClock {
  /** The local date as a UTC midnight, epoch ms (for date arithmetic only). */
  dateMs: number;
  hour: number;
  minute: number;
  second: number;
}

/** A time zone's wall clock and day starts (exported for tests). */
export class Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  wallClock(ms: number): WallClock {
    const part: Record<string, number> = {};
    for (const p of this.format.formatToParts(ms)) if (p.type !== "literal") part[p.type] = Number(p.value);
    const n = (type: string) => part[type] ?? 0;
    return {
      dateMs: Date.UTC(n("year"), n("month") - 1, n("day")),
      hour: n("hour"),
      minute: n("minute"),
      second: n("second"),
    };
  }

  /**
   * The wall clock at `ms` from the zone's offset when it is the same at both ends of the UTC day of
   * `ms` (almost always: transitions are rare), computed with two `formatToParts` calls per day instead
   * of one per slot (~10 µs each, most of a 30-day time series); on a transition day, exactly.
   */
  fastWallClock(ms: number): WallClock {
    const day = Math.floor(ms / DAY_MS) * DAY_MS;
    let offset = this.dayOffsets.get(day);
    if (!this.dayOffsets.has(day)) {
      const first = this.offset(day);
      offset = first === this.offset(day + DAY_MS - 1000) ? first : undefined;
      remember(this.dayOffsets, day, offset);
    }
    if (offset === undefined || ms % 1000 !== 0) return this.wallClock(ms);
    const local = ms + offset;
    const dateMs = Math.floor(local / DAY_MS) * DAY_MS;
    const rest = local - dateMs;
    return {
      dateMs,
      hour: Math.floor(rest / HOUR_MS),
      minute: Math.floor((rest % HOUR_MS) / 60_000),
      second: Math.floor((rest % 60_000) / 1000),
    };
  }

  /** Per UTC day (epoch ms): the zone's offset when constant all day, else undefined. */
  private readonly dayOffsets = new Map<number, number | undefined>();
  /** Per local date (a UTC midnight): its first instant, see {@link startOfDay}. */
  private readonly dayStarts = new Map<number, number>();

  /** Local time minus UTC at `ms`, in ms. */
  offset(ms: number): number {
    const w = this.wallClock(ms);
    const local = w.dateMs + w.hour * HOUR_MS + w.minute * 60_000 + w.second * 1000;
    return local - (ms - (((ms % 1000) + 1000) % 1000));
  }

  /**
   * First instant of the local date `dateMs` (a UTC midnight): local midnight under the offset in force
   * before or after a nearby transition, whichever lies on that date, the earlier if both do (midnight
   * repeated); when midnight is skipped the day starts at the transition, which the earlier offset gives.
   */
  startOfDay(dateMs: number): number {
    let start = this.dayStarts.get(dateMs);
    if (start === undefined) {
      start = this.computeStartOfDay(dateMs);
      remember(this.dayStarts, dateMs, start);
    }
    return start;
  }

  private computeStartOfDay(dateMs: number): number {
    const candidates = [this.offset(dateMs - 1.5 * DAY_MS), this.offset(dateMs + 1.5 * DAY_MS)]
      .map((offset) => dateMs - offset)
      .filter((ms) => this.wallClock(ms).dateMs === dateMs);
    return candidates.length > 0 ? Math.min(...candidates) : dateMs - this.offset(dateMs);
  }
}

/** Bounded memo: time zone rules do not change while the process runs, so entries never go stale. */
function remember<V>(memo: Map<number, V>, key: number, value: V): void {
  if (memo.size >= DAYS_REMEMBERED) memo.clear();
  memo.set(key, value);
}

/** About 27 years of days per zone. */
const DAYS_REMEMBERED = 10_000;

const zones = new Map<string, Zone>();

/**
 * The shared {@link Zone} of a canonical time zone name. Its per-day memos make a time series cost a
 * few `formatToParts` calls per new day seen by the process instead of ~7 per day of every request
 * (2 ms of main-thread time for 30 days, measured while profiling ingestion under dashboard load).
 */
export function zoneFor(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    if (zones.size >= MEMO_LIMIT) zones.clear();
    zone = new Zone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

/**
 * Add up the slots per bucket. Hour buckets are elapsed hours (a repeated local hour at the end of DST
 * is two buckets); day and week buckets are local calendar days and Monday-started weeks.
 */
export function foldBuckets(
  slots: readonly TimeSlotAggregate[],
  bucket: Bucket,
  timeZone: string,
): BucketAggregate[] {
  const zone = zoneFor(timeZone);
  const buckets = new Map<number, BucketAggregate>();
  for (const slot of slots) {
    const wall = zone.fastWallClock(slot.startMs);
    let startMs: number;
    if (bucket === "hour") {
      startMs = slot.startMs - wall.minute * 60_000 - wall.second * 1000;
    } else {
      const weekday = (new Date(wall.dateMs).getUTCDay() + 6) % 7; // Monday 0
      const dateMs = bucket === "week" ? wall.dateMs - weekday * DAY_MS : wall.dateMs;
      startMs = zone.startOfDay(dateMs);
    }
    const entry = buckets.get(startMs) ?? { startMs, surveys: 0, poor: 0, normalizedScoreSum: 0 };
    entry.surveys += slot.surveys;
    entry.poor += slot.poor;
    entry.normalizedScoreSum += slot.normalizedScoreSum;
    buckets.set(startMs, entry);
  }
  return [...buckets.values()].sort((a, b) => a.startMs - b.startMs);
}
