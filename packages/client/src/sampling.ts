import type { SurveyConfig } from "@aftercall/schema";
import type { AskDecision, CallInfo } from "./types.js";

const DAY_MS = 86_400_000;

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Whether a (call, participant) pair falls in the sample: `fnv1a(callId + "\0" + participantId) / 2^32`
 * below `sampleRate`. Deterministic, so every device and every retry of the same pair agrees.
 */
export const inSample = (call: CallInfo, sampleRate: number): boolean =>
  fnv1a(`${call.callId}\u0000${call.participantId}`) / 2 ** 32 < sampleRate;

/**
 * Decide whether to ask, checking rules in a fixed order so the reason is stable: do-not-ask rules
 * (a breakout move is never asked, whatever the configuration),
 * minimum duration (an unknown duration never blocks), cooldown since `lastSurveyedAt` (ms), sampling.
 */
export function decide(
  config: SurveyConfig,
  call: CallInfo,
  lastSurveyedAt: number | undefined,
  nowMs: number,
): AskDecision {
  const no = (reason: AskDecision["reason"]): AskDecision => ({ ask: false, reason });
  if (config.skipWhen.joinFailed && call.joinFailed) return no("join-failed");
  if (config.skipWhen.removedFromCall && call.removedFromCall) return no("removed-from-call");
  // Moving to a breakout room is not the end of the call: the survey belongs to the real end.
  if (call.movedToBreakout) return no("moved-to-breakout");
  if ((call.durationSeconds ?? Infinity) < config.minCallDurationSeconds) return no("too-short");
  if (nowMs - (lastSurveyedAt ?? -Infinity) < config.cooldownDays * DAY_MS) return no("cooldown");
  if (!inSample(call, config.sampleRate)) return no("sampled-out");
  return { ask: true, reason: "ok" };
}
