import {
  CANDIDATE_TYPES,
  type CallQualitySummary,
  CODEC_DELAY_MS,
  CODEC_PATTERN,
  estimateMos,
  MAX_BITRATE_KBPS,
  MAX_CALL_QUALITY_SECONDS,
  MAX_FRAMES_PER_SECOND,
  MAX_FREEZE_COUNT,
  MAX_JITTER_MS,
  MAX_RTT_MS,
  type StreamQuality,
  TRANSPORT_PROTOCOLS,
} from "@aftercall/schema";
import { type Samples, samples } from "./samples.js";

/**
 * Turns successive `getStats()` reports into a {@link CallQualitySummary}. Pure (no timers, no browser
 * objects): the collector feeds it, the tests feed it captured reports.
 *
 * Every field is read defensively: browsers report different subsets (Firefox and Safari lack several
 * stats, older ones say `mediaType` for `kind`), so a missing or odd value only leaves its metric out,
 * and every number is clamped to the schema's range. Memory is bounded: counters per source and media
 * kind, a bounded number of samples per metric.
 *
 * @module
 */

/** One stats dictionary of a report, as loosely typed as browsers make it. */
type Stat = Record<string, unknown>;
/** A getStats report, or anything that iterates its stats the same way (a Map, an array). */
export interface StatsReport {
  forEach(callback: (stat: Stat) => void): void;
}

/**
 * Cumulative counters, summed over the streams of one media kind and direction in a report. A received
 * stream counts `packetsReceived`, a sent one `packetsSent`; the loss of a sent stream comes from the
 * peer's report about it (`remote-inbound-rtp`), counted with it.
 */
const COUNTERS = [
  "packetsLost",
  "packetsReceived",
  "packetsSent",
  "bytesReceived",
  "bytesSent",
  "freezeCount",
  "totalFreezesDuration",
  "concealedSamples",
  "totalSamplesReceived",
] as const;
type Totals = Partial<Record<(typeof COUNTERS)[number], number>>;

/** One source's streams of one `kind.direction`: bytes and time when first seen, counters as last seen. */
interface Track {
  key: string;
  bytes: number;
  since: number;
  last: Totals;
  at: number;
}

/** Sampled metrics of one `kind.direction`, and its codec as last seen. */
interface Series {
  jitter: Samples;
  rtt: Samples;
  fps: Samples;
  codec?: string;
}

/** A stat as a number: NaN when missing (every use then drops it). */
const num = (v: unknown): number => +(v as number);
/** `v` clamped to 0–max and rounded to `1/scale`; undefined when not a finite number. */
const fit = (v: number | undefined, max: number, scale = 10): number | undefined =>
  Number.isFinite(v) ? Math.round(Math.min(max, Math.max(0, v as number)) * scale) / scale : undefined;
const percentiles = (s: Samples, max: number) => {
  const p50 = fit(s.quantile(0.5), max);
  return p50 === undefined ? undefined : { p50, p95: fit(s.quantile(0.95), max) };
};
const sent = (t: Totals) => t.bytesReceived ?? t.bytesSent ?? 0;
export interface Accumulator {
  /** Take in one report of source `source` (labelled `label`), sampled at `now` (ms). */
  add(report: StatsReport, source: string | number, label: string | undefined, now: number): void;
  /** The summary of everything taken in so far. */
  summary(): CallQualitySummary;
}

export function createAccumulator(): Accumulator {
  const tracks = new Map<string, Track>();
  const series = new Map<string, Series>();
  const rtt = samples();
  let path: unknown[] = [];
  let first: number | undefined;
  let last = 0;

  return {
    add(report, source, label, now) {
      const stats = new Map<unknown, Stat>();
      report.forEach((s) => {
        if (s && typeof s === "object") stats.set(s.id, s);
      });
      first ??= now;
      last = now;
      const totals = new Map<string, Totals>();
      for (const s of stats.values()) {
        // inbound-rtp, outbound-rtp, and the peer's reports about them: remote-outbound-rtp (about what
        // this device receives) and remote-inbound-rtp (about what it sends).
        const [, remote, direction] = /^(remote-)?(in|out)bound-rtp$/.exec(String(s.type)) ?? [];
        const kind = s.kind ?? s.mediaType;
        if (!direction || (kind !== "audio" && kind !== "video")) continue;
        // Screen share: video whose (local) stream says so, or any video of a source labelled so.
        const screen =
          (remote ? stats.get(s.localId) : s)?.contentType === "screenshare" || label === "screenshare";
        const inbound = (direction === "in") !== !!remote;
        const key = `${kind === "video" && screen ? "screenshare" : kind}.${inbound ? "inbound" : "outbound"}`;
        const metrics = series.get(key) ?? { jitter: samples(), rtt: samples(), fps: samples() };
        series.set(key, metrics);
        metrics.rtt.add(num(s.roundTripTime) * 1000);
        if (remote && inbound) continue;
        metrics.jitter.add(num(s.jitter) * 1000);
        metrics.fps.add(num(s.framesPerSecond));
        const mime = stats.get(s.codecId)?.mimeType;
        const codec = String(mime).split("/")[1] ?? "";
        if (CODEC_PATTERN.test(codec)) metrics.codec = codec;
        const sums = totals.get(key) ?? {};
        totals.set(key, sums);
        for (const counter of COUNTERS) {
          const v = num(s[counter]);
          if (Number.isFinite(v)) sums[counter] = (sums[counter] ?? 0) + Math.max(0, v);
        }
      }
      for (const [key, sums] of totals) {
        const id = `${source} ${key}`;
        // One per source (the collector takes at most 16) and kind and direction (6): bounded.
        const track = tracks.get(id) ?? { key, bytes: sent(sums), since: now, last: sums, at: now };
        tracks.set(id, Object.assign(track, { last: sums, at: now }));
      }
      // The selected candidate pair: named by the transport (Chromium, Safari), or flagged (Firefox).
      let pair: Stat | undefined;
      for (const s of stats.values()) {
        if (s.type === "transport") pair = stats.get(s.selectedCandidatePairId) ?? pair;
        else if (
          !pair &&
          s.type === "candidate-pair" &&
          s.state === "succeeded" &&
          (s.selected || s.nominated)
        )
          pair = s;
      }
      if (!pair) return;
      rtt.add(num(pair.currentRoundTripTime) * 1000);
      const local = stats.get(pair.localCandidateId);
      path = [local?.candidateType, stats.get(pair.remoteCandidateId)?.candidateType, local?.protocol];
    },

    summary() {
      const known = (list: readonly string[], v: unknown) => (list.includes(v as string) ? v : undefined);
      const out: Record<string, unknown> = {
        durationSeconds: fit((last - (first ?? last)) / 1000, MAX_CALL_QUALITY_SECONDS),
        path: path.length
          ? {
              localCandidateType: known(CANDIDATE_TYPES, path[0]),
              remoteCandidateType: known(CANDIDATE_TYPES, path[1]),
              protocol: known(TRANSPORT_PROTOCOLS, path[2]),
              rttMs: percentiles(rtt, MAX_RTT_MS),
            }
          : undefined,
      };
      let heard: StreamQuality | undefined;
      for (const [key, metrics] of series) {
        const [kind, direction] = key.split(".") as [string, string];
        let bitsPerMs: number | undefined;
        const sums: Totals = {};
        for (const track of tracks.values()) {
          if (track.key !== key) continue;
          if (track.at > track.since)
            bitsPerMs =
              (bitsPerMs ?? 0) + (Math.max(0, sent(track.last) - track.bytes) * 8) / (track.at - track.since);
          for (const [counter, v] of Object.entries(track.last) as [keyof Totals, number][])
            sums[counter] = (sums[counter] ?? 0) + v;
        }
        const { packetsLost: lost, packetsReceived: received, totalSamplesReceived: played } = sums;
        const expected = received === undefined ? sums.packetsSent : received + (lost ?? 0);
        const stream = {
          lossFraction: expected ? fit((lost as number) / expected, 1, 1e4) : undefined,
          jitterMs: percentiles(metrics.jitter, MAX_JITTER_MS),
          rttMs: percentiles(metrics.rtt, MAX_RTT_MS),
          bitrateKbps: fit(bitsPerMs, MAX_BITRATE_KBPS),
          framesPerSecond: fit(metrics.fps.quantile(0.5), MAX_FRAMES_PER_SECOND),
          freezeCount: fit(sums.freezeCount, MAX_FREEZE_COUNT, 1),
          freezeSeconds: fit(sums.totalFreezesDuration, MAX_CALL_QUALITY_SECONDS),
          concealmentRatio: played ? fit((sums.concealedSamples ?? 0) / played, 1, 1e4) : undefined,
          codec: metrics.codec,
        } as StreamQuality;
        out[kind] = { ...(out[kind] as object), [direction]: stream };
        // MOS rates the audio heard: received audio, else (a participant only sending) the audio sent.
        if (kind === "audio" && stream.lossFraction !== undefined && (direction === "inbound" || !heard))
          heard = stream;
      }
      if (heard) {
        // Mouth-to-ear delay: half the round trip, a jitter buffer of twice the jitter, one frame.
        const roundTrip =
          (out.path as { rttMs?: { p50: number } } | undefined)?.rttMs?.p50 ?? heard.rttMs?.p50 ?? 0;
        const delay = roundTrip / 2 + 2 * (heard.jitterMs?.p50 ?? 0) + CODEC_DELAY_MS;
        out.mos = estimateMos(delay, heard.lossFraction as number);
      }
      // Undefined members (metrics not measured) are left out, as JSON leaves them out.
      return JSON.parse(JSON.stringify(out));
    },
  };
}
