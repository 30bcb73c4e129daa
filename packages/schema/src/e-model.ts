/**
 * An estimated mean opinion score from network measurements: the E-model of ITU-T G.107, simplified to
 * the terms a browser can measure (delay and packet loss), everything else at the Recommendation's
 * default values.
 *
 *     R = (Ro − Is) − Idd − Ie,eff + A
 *
 * - `Ro − Is = 93.2`: the basic signal-to-noise ratio minus the simultaneous impairments with every
 *   G.107 parameter at its default value (the defaults give R = 93.2 for a G.711 call without delay or
 *   loss).
 * - `Idd`: the impairment by absolute one-way delay `Ta`: 0 up to `mT` = 100 ms, else
 *   `25·((1 + X⁶)^(1/6) − 3·(1 + (X/3)⁶)^(1/6) + 2)` with `X = log₂(Ta / 100)` (default `sT` = 1).
 *   The echo terms `Idte` and `Idle` are left out: WebRTC endpoints cancel echo, so talker echo
 *   loudness is high (the G.107 default TELR of 65 dB makes them small).
 * - `Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)`, the effective equipment impairment, `Ppl` the packet loss in
 *   percent, `BurstR = 1` (random loss: getStats does not describe bursts), `Ie` and `Bpl` of the codec
 *   from ITU-T G.113 Appendix I; see {@link BROWSER_CODEC_IMPAIRMENT}.
 * - `A = 0` (advantage factor of conventional wire-bound telephony).
 *
 * R maps to MOS by G.107 Annex B: `1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶` for 0 < R < 100, 1 below,
 * 4.5 above. This is the narrowband E-model: wideband codecs (Opus) are judged on the narrowband scale,
 * which caps MOS at about 4.4; it is a planning estimate for comparing calls, not a listening test.
 *
 * @module
 */

/** `Ro − Is` with every G.107 parameter at its default. */
export const R_DEFAULT = 93.2;
/** `mT`, the delay below which delay does not impair (G.107 default), ms. */
const DELAY_THRESHOLD_MS = 100;
/**
 * Packetisation and codec delay added to the network's one-way delay: one 20 ms frame, the `ptime`
 * WebRTC uses for Opus and G.711.
 */
export const CODEC_DELAY_MS = 20;

/** Equipment impairment `Ie` and packet-loss robustness `Bpl` of a codec. */
export interface CodecImpairment {
  ie: number;
  bpl: number;
}

/**
 * `Ie` and `Bpl` of the codecs browsers speak: G.711 (PCMU, PCMA) with packet-loss concealment, from
 * ITU-T G.113 Appendix I (`Ie` 0, `Bpl` 25.1). G.113 gives no narrowband value for Opus; Opus at
 * WebRTC's bitrates is transparent on the narrowband scale and conceals loss at least as well as G.711
 * with PLC (plus in-band FEC), so it takes the same values: an assumption, and a conservative one.
 */
export const BROWSER_CODEC_IMPAIRMENT: Readonly<CodecImpairment> = /* @__PURE__ */ Object.freeze({
  ie: 0,
  bpl: 25.1,
});

/** G.729A (with VAD), ITU-T G.113 Appendix I: for calls bridged to telephony that uses it. */
export const G729_IMPAIRMENT: Readonly<CodecImpairment> = /* @__PURE__ */ Object.freeze({ ie: 11, bpl: 19 });

/** `Idd`: the impairment of a one-way (mouth-to-ear) delay `ta` in ms. */
export function delayImpairment(ta: number): number {
  if (!(ta > DELAY_THRESHOLD_MS)) return 0;
  const x = Math.log2(ta / DELAY_THRESHOLD_MS);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/**
 * The rating factor R of a call: `oneWayDelayMs` the mouth-to-ear delay, `lossFraction` the share of
 * packets lost (0–1), `codec` its impairments. `Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl + Bpl)` with `Ppl`
 * the loss in percent (random loss, BurstR = 1).
 */
export function rFactor(
  oneWayDelayMs: number,
  lossFraction: number,
  { ie, bpl }: CodecImpairment = BROWSER_CODEC_IMPAIRMENT,
): number {
  const ppl = lossFraction * 100;
  return R_DEFAULT - delayImpairment(oneWayDelayMs) - ie - ((95 - ie) * ppl) / (ppl + bpl);
}

/**
 * G.107 Annex B: the mean opinion score (1–4.5) of a rating factor R. The polynomial dips below 1 for
 * 0 < R < 6.5; it is held at 1 there, so MOS never falls as R rises.
 */
export function mosFromR(r: number): number {
  return r <= 0 ? 1 : r >= 100 ? 4.5 : Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}

/**
 * Estimated MOS of received audio, rounded to 2 decimals: `oneWayDelayMs` is the mouth-to-ear delay
 * (half the round trip plus the jitter buffer plus {@link CODEC_DELAY_MS}), `lossFraction` the share of
 * packets lost (0–1), `codec` its impairments (default: the browser codecs').
 *
 * @example
 * ```ts
 * estimateMos(60, 0);       // 4.41: a clean call
 * estimateMos(200, 0.05);   // 3.79: 5 % loss and a long path
 * ```
 */
export function estimateMos(oneWayDelayMs: number, lossFraction: number, codec?: CodecImpairment): number {
  return Math.round(mosFromR(rFactor(oneWayDelayMs, lossFraction, codec)) * 100) / 100;
}
