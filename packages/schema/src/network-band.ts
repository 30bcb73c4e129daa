import { type CallQualitySummary, MEDIA_KINDS, type MediaKind, type StreamQuality } from "./call-quality.js";

/**
 * Network bands: a call's measured network, in three words, by the same rule on the device (to decide
 * how likely a survey is asked) and on the server (to slice ratings). A call is `poor` when any metric is
 * worse than its poor threshold, else `fair` when any is worse than its fair threshold, else `good`; a
 * call without any of the metrics has no band.
 *
 * @module
 */
export const NETWORK_BANDS = ["good", "fair", "poor"] as const;
export type NetworkBand = (typeof NETWORK_BANDS)[number];

/** A metric's two thresholds: beyond `fair` the call is at best fair, beyond `poor` it is poor. */
export interface BandThreshold {
  fair: number;
  poor: number;
}

/**
 * The metrics bands are made of, each one number per call:
 * - `rttMs`: 95th percentile of the round-trip time (the path's ICE checks, else the worst stream's RTCP);
 * - `lossFraction`: packet loss over the call, the worst of all media kinds and directions;
 * - `jitterMs`: 95th percentile of the audio jitter, the worse direction (video jitter reflects frame
 *   bursts more than the network, so it is left out);
 * - `mos`: the E-model estimate (higher is better; the others are lower-is-better).
 */
export const BAND_METRICS = ["rttMs", "lossFraction", "jitterMs", "mos"] as const;
export type BandMetric = (typeof BAND_METRICS)[number];
export type NetworkBandThresholds = Record<BandMetric, BandThreshold>;
/** A project's changes to the default thresholds: any metric, either threshold. */
export type NetworkBandOverrides = Partial<Record<BandMetric, Partial<BandThreshold>>>;
export type BandMetrics = Record<BandMetric, number | undefined>;

/**
 * Default thresholds and where they come from. A project overrides any of them in its survey
 * configuration (`networkBands`).
 *
 * | metric | fair beyond | source | poor beyond | source |
 * | --- | --- | --- | --- | --- |
 * | `rttMs` (p95) | 300 ms | ITU-T G.114: one-way delay up to 150 ms is acceptable for most applications (RTT ≈ 2 × one-way) | 500 ms | Microsoft Teams CQD audio classifier: poor when round trip > 500 ms |
 * | `lossFraction` | 0.01 | Twilio Voice Insights warnings and Teams network targets: packet loss over 1 % | 0.05 | Twilio Voice Insights call tag `high_packet_loss`: over 5 % |
 * | `jitterMs` (p95) | 30 ms | Twilio `high-jitter` warning and Teams network targets: jitter over 30 ms | 50 ms | ITU-T Y.1541 QoS classes 0–1 (interactive voice and video): delay variation objective 50 ms |
 * | `mos` | below 4.02 | ITU-T G.109: R below 80 (MOS 4.02) leaves some users dissatisfied | below 3.6 | ITU-T G.109: R below 70 (MOS 3.6) leaves many users dissatisfied; Twilio's `low-mos` warning is at 3.5 |
 */
export const DEFAULT_NETWORK_BAND_THRESHOLDS: Readonly<NetworkBandThresholds> = /* @__PURE__ */ Object.freeze(
  {
    rttMs: { fair: 300, poor: 500 },
    lossFraction: { fair: 0.01, poor: 0.05 },
    jitterMs: { fair: 30, poor: 50 },
    mos: { fair: 4.02, poor: 3.6 },
  },
);

/** The largest value `pick` gives for the streams of `kinds`, else undefined. */
function worst(
  quality: CallQualitySummary,
  kinds: readonly MediaKind[],
  pick: (s: StreamQuality) => unknown,
) {
  const values = kinds.flatMap((k) => Object.values(quality[k] ?? {}).map(pick)).filter(Number.isFinite);
  return values.length ? Math.max(...(values as number[])) : undefined;
}

/** The per-call numbers a band is decided on (see {@link BAND_METRICS}); undefined when not measured. */
export function bandMetrics(quality: CallQualitySummary): BandMetrics {
  return {
    rttMs: quality.path?.rttMs?.p95 ?? worst(quality, MEDIA_KINDS, (s) => s.rttMs?.p95),
    lossFraction: worst(quality, MEDIA_KINDS, (s) => s.lossFraction),
    jitterMs: worst(quality, ["audio"], (s) => s.jitterMs?.p95),
    mos: quality.mos,
  };
}

/** The thresholds in force: the defaults with a project's overrides. */
export function bandThresholds(overrides: NetworkBandOverrides = {}): NetworkBandThresholds {
  const out = {} as NetworkBandThresholds;
  for (const metric of BAND_METRICS)
    out[metric] = { ...DEFAULT_NETWORK_BAND_THRESHOLDS[metric], ...overrides?.[metric] };
  return out;
}

/**
 * The band of a call's metrics under the default thresholds changed by `overrides`, or `undefined`
 * when no metric was measured. Malformed overrides (a corrupt cached configuration) never throw.
 */
export function bandOf(metrics: BandMetrics, overrides?: NetworkBandOverrides): NetworkBand | undefined {
  let band = -1;
  for (const metric of BAND_METRICS) {
    const { fair, poor } = { ...DEFAULT_NETWORK_BAND_THRESHOLDS[metric], ...overrides?.[metric] };
    // MOS is better when higher: compare negated values with negated thresholds.
    const value = (metric === "mos" ? -1 : 1) * (metrics[metric] ?? Number.NaN);
    const sign = metric === "mos" ? -1 : 1;
    if (Number.isFinite(value)) band = Math.max(band, value > sign * poor ? 2 : value > sign * fair ? 1 : 0);
  }
  return NETWORK_BANDS[band];
}

/**
 * The network band of a call-quality summary, under the default thresholds changed by `overrides` (a
 * project's `networkBands`).
 *
 * @example
 * ```ts
 * networkBand({ durationSeconds: 60, path: { rttMs: { p50: 40, p95: 620 } } }); // "poor"
 * networkBand({ durationSeconds: 60 });                                         // undefined
 * ```
 */
export function networkBand(
  quality: CallQualitySummary,
  overrides?: NetworkBandOverrides,
): NetworkBand | undefined {
  return bandOf(bandMetrics(quality), overrides);
}
