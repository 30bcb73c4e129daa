/**
 * Synthetic call-quality summaries for demo data: what `@aftercall/client/quality` would measure on a
 * good, fair or poor network, and how ratings follow the network. Pure and seeded: the same random
 * generator gives the same summaries.
 *
 * The ranges are chosen inside the default band thresholds (`DEFAULT_NETWORK_BAND_THRESHOLDS`), so a
 * summary made for a condition falls in that network band; the ratings keep a share of poor ratings on
 * good networks (people rate other things than the network, too) and of good ratings on poor ones.
 *
 * @module
 */
import {
  type CallQualitySummary,
  type CandidateType,
  estimateMos,
  type NetworkBand,
  type StreamQuality,
} from "@aftercall/schema";

/** The network a demo call had; named like the bands its summary falls in. */
export type NetworkCondition = NetworkBand;

type Random = () => number;
type Range = readonly [min: number, max: number];

/** What one condition's network looks like: ranges of the medians, and how far the 95th percentile goes. */
interface ConditionProfile {
  /** Median round-trip time, ms. */
  rtt: Range;
  /** Packet loss over the call, 0–1. */
  loss: Range;
  /** Median audio jitter, ms. */
  jitter: Range;
  /** p95 / p50 of RTT and jitter. */
  spread: Range;
  /** Median received video frame rate. */
  fps: Range;
  /** Video freezes per minute. */
  freezesPerMinute: Range;
  /** Share of calls relayed through TURN, and of those over TCP. */
  relayed: number;
  tcp: number;
}

/**
 * Profiles per condition. Good stays below every fair threshold (RTT p95 < 300 ms, loss < 1 %, jitter
 * p95 < 30 ms, MOS ≥ 4.02); fair crosses the fair loss threshold (every stream keeps at least 70 % of the
 * call's loss) and no poor one; poor crosses the poor loss threshold (5 %).
 */
const PROFILES: Readonly<Record<NetworkCondition, ConditionProfile>> = {
  good: {
    rtt: [15, 90],
    loss: [0, 0.006],
    jitter: [1, 8],
    spread: [1.2, 2],
    fps: [27, 30],
    freezesPerMinute: [0, 0.05],
    relayed: 0.08,
    tcp: 0.1,
  },
  fair: {
    rtt: [120, 200],
    loss: [0.015, 0.04],
    jitter: [12, 20],
    spread: [1.6, 2.2],
    fps: [18, 26],
    freezesPerMinute: [0.2, 1],
    relayed: 0.2,
    tcp: 0.25,
  },
  poor: {
    rtt: [280, 600],
    loss: [0.075, 0.2],
    jitter: [30, 90],
    spread: [1.8, 3],
    fps: [6, 16],
    freezesPerMinute: [1.5, 6],
    relayed: 0.35,
    tcp: 0.5,
  },
};

/**
 * Relative weights of the overall scores 1–5 per network condition: poor ratings (1–2) are 6 % of
 * good-network calls, 16 % of fair ones and 40 % of poor ones.
 */
export const SCORE_WEIGHTS: Readonly<Record<NetworkCondition, readonly number[]>> = {
  good: [2, 4, 14, 40, 40],
  fair: [6, 10, 26, 36, 22],
  poor: [18, 22, 26, 22, 12],
};

/** Share of demo calls per condition: most calls are on a good network. */
export const CONDITION_MIX: Readonly<Record<NetworkCondition, number>> = {
  good: 0.75,
  fair: 0.18,
  poor: 0.07,
};

const within = (random: Random, [min, max]: Range) => min + random() * (max - min);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A network condition drawn from `mix` (default {@link CONDITION_MIX}). */
export function drawCondition(random: Random, mix = CONDITION_MIX): NetworkCondition {
  let r = random() * (mix.good + mix.fair + mix.poor);
  for (const condition of ["good", "fair", "poor"] as const) {
    r -= mix[condition];
    if (r < 0) return condition;
  }
  return "poor";
}

/** An overall score 1–5 for a call on `condition`, drawn from {@link SCORE_WEIGHTS}. */
export function drawOverallScore(random: Random, condition: NetworkCondition): number {
  const weights = SCORE_WEIGHTS[condition];
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (const [i, w] of weights.entries()) {
    r -= w;
    if (r < 0) return i + 1;
  }
  return weights.length;
}

/** Options of {@link syntheticCallQuality}. */
export interface SyntheticCallOptions {
  /** Call length in seconds; default 2–40 minutes. */
  durationSeconds?: number;
  /** The call had video (default true). */
  video?: boolean;
  /** Someone shared their screen (default false). */
  screenshare?: boolean;
}

/**
 * A schema-valid call-quality summary for a call on a `condition` network: path, audio both ways, video
 * and screen share when asked for, and the E-model MOS of the audio received.
 *
 * @example
 * ```ts
 * const random = seededRandom(7);
 * const condition = drawCondition(random);
 * const callQuality = syntheticCallQuality(random, condition);
 * const overall = drawOverallScore(random, condition);
 * ```
 */
export function syntheticCallQuality(
  random: Random,
  condition: NetworkCondition,
  options: SyntheticCallOptions = {},
): CallQualitySummary {
  const p = PROFILES[condition];
  const durationSeconds = Math.round(options.durationSeconds ?? within(random, [120, 2400]));
  const rtt = within(random, p.rtt);
  const jitter = within(random, p.jitter);
  const loss = within(random, p.loss);
  const spread = within(random, p.spread);
  const percentiles = (median: number) => ({ p50: round(median), p95: round(median * spread) });
  const relayed = random() < p.relayed;
  const stream = (media: "audio" | "video", inbound: boolean): StreamQuality => {
    // Each direction varies a little around the call's network.
    const own = within(random, [0.7, 1.1]);
    const out: StreamQuality = {
      lossFraction: round(loss * own, 4),
      jitterMs: percentiles(jitter * own * (media === "video" ? 1.5 : 1)),
      rttMs: percentiles(rtt * own),
      bitrateKbps: round(
        media === "audio" ? within(random, [28, 40]) : within(random, [300, 1500]) * (1 - loss),
      ),
      codec: media === "audio" ? "opus" : "VP8",
    };
    if (media === "audio" && inbound)
      out.concealmentRatio = round(Math.min(1, loss * within(random, [1, 1.5])), 4);
    if (media === "video") {
      out.framesPerSecond = round(within(random, p.fps));
      if (inbound) {
        const freezeCount = Math.round((within(random, p.freezesPerMinute) * durationSeconds) / 60);
        out.freezeCount = freezeCount;
        out.freezeSeconds = round(Math.min(durationSeconds, freezeCount * within(random, [0.3, 1.2])));
      }
    }
    return out;
  };
  const localType: CandidateType = relayed ? "relay" : random() < 0.5 ? "host" : "srflx";
  const summary: CallQualitySummary = {
    durationSeconds,
    path: {
      localCandidateType: localType,
      remoteCandidateType: random() < 0.6 ? "host" : "srflx",
      protocol: relayed && random() < p.tcp ? "tcp" : "udp",
      rttMs: percentiles(rtt),
    },
    audio: { inbound: stream("audio", true), outbound: stream("audio", false) },
  };
  if (options.video ?? true)
    summary.video = { inbound: stream("video", true), outbound: stream("video", false) };
  if (options.screenshare) summary.screenshare = { inbound: stream("video", true) };
  // The collector's estimate: half the round trip, a jitter buffer of twice the jitter, one frame.
  const heard = summary.audio?.inbound as StreamQuality;
  const delay = (summary.path?.rttMs?.p50 ?? 0) / 2 + 2 * (heard.jitterMs?.p50 ?? 0) + 20;
  summary.mos = estimateMos(delay, heard.lossFraction ?? 0);
  return summary;
}
