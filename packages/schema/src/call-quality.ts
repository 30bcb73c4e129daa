/**
 * The objective side of a call: a compact, bounded summary of what the device measured (WebRTC
 * `getStats()`), sent with the survey as `callQuality` so a rating can be read beside the network it was
 * given on. Everything about it is declared once here, as {@link CALL_QUALITY_SHAPE}: the validator below
 * and the JSON Schema (`callQualitySchema`) are both read off that shape, so they cannot drift apart.
 *
 * Every metric is optional (browsers report different subsets: Firefox and Safari lack several), every
 * number has a range, every string a pattern and a length, and unknown keys are refused. The summary has
 * a fixed set of keys, so its size is bounded (about 1.5 KB of JSON at most).
 *
 * This module holds the vocabulary, limits and types (what a collector needs); the declared shape and
 * its validator are in `call-quality-check.ts`, so a collector's bundle does not carry them.
 *
 * @module
 */

// Limits as plain constants first, so a bundler inlines them into code that only clamps (the collector).

/** Longest call a summary may describe, in seconds (7 days). */
export const MAX_CALL_QUALITY_SECONDS = 604_800;
/** Highest jitter a summary may carry, in milliseconds. */
export const MAX_JITTER_MS = 10_000;
/** Highest round-trip time a summary may carry, in milliseconds. */
export const MAX_RTT_MS = 60_000;
/** Highest bitrate a summary may carry, in kbit/s. */
export const MAX_BITRATE_KBPS = 100_000;
/** Highest frame rate a summary may carry. */
export const MAX_FRAMES_PER_SECOND = 240;
/** Most freezes a summary may count. */
export const MAX_FREEZE_COUNT = 1_000_000;
/** Characters of a codec name. */
export const MAX_CODEC_LENGTH = 32;
/** Lowest and highest mean opinion score of the E-model's MOS scale (ITU-T G.107 Annex B). */
export const MOS_MIN = 1;
export const MOS_MAX = 4.5;

/** Media kinds a summary describes; `screenshare` is video whose source is a screen. */
export const MEDIA_KINDS = ["audio", "video", "screenshare"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
/** `inbound`: what this participant received; `outbound`: what it sent (as its peers reported it). */
export const MEDIA_DIRECTIONS = ["inbound", "outbound"] as const;
export type MediaDirection = (typeof MEDIA_DIRECTIONS)[number];
/** ICE candidate types (RFC 8445): direct, through a NAT, learned from a peer, through a TURN relay. */
export const CANDIDATE_TYPES = ["host", "srflx", "prflx", "relay"] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];
/** Transport of the media path. */
export const TRANSPORT_PROTOCOLS = ["udp", "tcp"] as const;
/** A codec name as in the `mimeType` subtype (`opus`, `VP8`, `H264`, `AV1`, `red`…), at most 32 characters. */
export const CODEC_PATTERN = /^[A-Za-z\d][\w.+-]{0,31}$/;

/** Median and 95th percentile of a metric sampled during the call. `p50 <= p95`. */
export interface Percentiles {
  p50: number;
  p95: number;
}

/** One media kind in one direction, over the whole call (all its streams and peer connections). */
export interface StreamQuality {
  /** Packets lost / packets expected, 0–1. */
  lossFraction?: number;
  /** Interarrival jitter (RFC 3550), ms. */
  jitterMs?: Percentiles;
  /** Round-trip time from RTCP reports, ms. */
  rttMs?: Percentiles;
  /** Mean media bitrate, kbit/s. */
  bitrateKbps?: number;
  /** Median frames per second (video, screen share). */
  framesPerSecond?: number;
  /** Video freezes (webrtc-stats definition), received video only. */
  freezeCount?: number;
  /** Total duration of those freezes, seconds. */
  freezeSeconds?: number;
  /** Concealed audio samples / samples received, 0–1 (received audio only). */
  concealmentRatio?: number;
  /** The codec used most recently, e.g. `opus`, `VP8`. */
  codec?: string;
}

/** The network path of the call: the selected ICE candidate pair, as last seen. */
export interface PathQuality {
  localCandidateType?: CandidateType;
  remoteCandidateType?: CandidateType;
  protocol?: (typeof TRANSPORT_PROTOCOLS)[number];
  /** Round-trip time of ICE consent checks on the selected pair, ms. */
  rttMs?: Percentiles;
}

/**
 * What the device measured during the call, as sent in a survey's `callQuality`.
 *
 * @example
 * ```json
 * { "durationSeconds": 312, "mos": 4.31,
 *   "path": { "localCandidateType": "srflx", "remoteCandidateType": "relay", "protocol": "udp",
 *             "rttMs": { "p50": 48, "p95": 95 } },
 *   "audio": { "inbound": { "lossFraction": 0.004, "jitterMs": { "p50": 3, "p95": 11 },
 *                           "concealmentRatio": 0.01, "bitrateKbps": 34, "codec": "opus" } } }
 * ```
 */
export interface CallQualitySummary {
  /** Seconds between the first and the last sample. */
  durationSeconds: number;
  /** Estimated listening quality of the audio received (E-model, ITU-T G.107), 1–4.5. */
  mos?: number;
  path?: PathQuality;
  audio?: Partial<Record<MediaDirection, StreamQuality>>;
  video?: Partial<Record<MediaDirection, StreamQuality>>;
  screenshare?: Partial<Record<MediaDirection, StreamQuality>>;
}
