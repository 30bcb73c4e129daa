/**
 * `@aftercall/client/quality-aware`: sampling by network band, and surveys that carry what was measured.
 * Wrap a survey client with {@link qualityAware}; the base SDK stays free of it (and of its bytes).
 *
 * @module
 */
import {
  type CallQualitySummary,
  MIN_ASK_PROBABILITY,
  type NetworkBand,
  networkBand,
} from "@aftercall/schema";
import { inSample } from "../sampling.js";
import type { AskDecision, CallIdentity, CallInfo, CallSurveyFeature, SurveyClient } from "../types.js";

export type { CallQualitySummary, NetworkBand } from "@aftercall/schema";

/** A call for {@link QualityAwareClient.shouldAsk}: what the app knows, and what was measured. */
export interface QualityCallInfo extends CallInfo {
  /** The collector's summary (`await quality.stop()` of `@aftercall/client/quality`). */
  callQuality?: CallQualitySummary;
}

/** A decision of {@link QualityAwareClient.shouldAsk}. */
export interface QualityAskDecision extends AskDecision {
  /** The probability with which this participant was asked, when below 1; the survey carries it. */
  probability?: number;
  /** The call's network band, when its `callQuality` tells. */
  band?: NetworkBand;
}

/** A survey client that samples by network band and sends what was measured with each survey. */
export interface QualityAwareClient extends SurveyClient {
  /**
   * The client's decision, with sampling by network band: a call whose `callQuality` falls in a band
   * the project gave a rate (`sampleRateByBand`) is asked with that probability instead of
   * `sampleRate`. The other rules (do-not-ask, duration, cooldown) and the draw (deterministic per call
   * and participant) are the client's own.
   */
  shouldAsk(call: QualityCallInfo): Promise<QualityAskDecision>;
  /** The client's feature; the call's survey carries `callQuality` and `askProbability`. */
  forCall(call: CallIdentity & { callQuality?: CallQualitySummary }): CallSurveyFeature;
}

type Stamps = { callQuality?: CallQualitySummary; askProbability?: number };

/** Calls remembered between `shouldAsk` and their survey. */
const REMEMBERED = 16;

/**
 * Make a survey client quality-aware: `shouldAsk` takes the call's `callQuality` and samples by its
 * network band, and the survey then sent for that call carries `callQuality` and the probability it was
 * asked with (`askProbability`), which estimates weight back (a survey asked with probability 0.1
 * stands for ten calls). The server validates both.
 *
 * @example
 * ```ts
 * import { createSurveyClient } from "@aftercall/client";
 * import { createCallQuality } from "@aftercall/client/quality";
 * import { qualityAware } from "@aftercall/client/quality-aware";
 *
 * const surveys = qualityAware(createSurveyClient({ endpoint, projectKey }));
 * const quality = createCallQuality();
 * quality.addPeerConnection(pc);
 * // when the call ends:
 * const callQuality = await quality.stop();
 * if ((await surveys.shouldAsk({ callId, participantId, callQuality })).ask) showSurvey(surveys);
 * ```
 */
export function qualityAware(client: SurveyClient): QualityAwareClient {
  const remembered = new Map<string, Stamps>();
  const key = (call: CallIdentity) => `${call.callId}\u0000${call.participantId}`;

  return {
    ...client,
    async shouldAsk(call) {
      const decision: QualityAskDecision = await client.shouldAsk(call);
      const stamps: Stamps = call.callQuality ? { callQuality: call.callQuality } : {};
      // Only the sampling step is redone; any other reason not to ask stands.
      if (decision.reason === "ok" || decision.reason === "sampled-out") {
        const { config } = await client.getConfig();
        const band = call.callQuality && networkBand(call.callQuality, config.networkBands);
        const rate = (band && config.sampleRateByBand?.[band]) ?? config.sampleRate;
        const ask = inSample(call, rate);
        Object.assign(decision, { ask, reason: ask ? "ok" : "sampled-out" });
        if (rate < 1) decision.probability = rate;
        if (band) decision.band = band;
        // A rate below the schema's floor (a tiny sampleRate) is recorded at the floor.
        if (ask && rate < 1) stamps.askProbability = Math.max(rate, MIN_ASK_PROBABILITY);
      }
      remembered.delete(key(call));
      remembered.set(key(call), stamps);
      if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value as string);
      return decision;
    },
    forCall(call) {
      const feature = client.forCall(call);
      // The wrapper's own stamps replace whatever the app put in the survey under these names.
      const stamp = <T>(survey: T): T => {
        const stamps = remembered.get(key(call));
        return {
          ...survey,
          callQuality: stamps?.callQuality ?? call.callQuality,
          askProbability: stamps?.askProbability,
        };
      };
      return {
        ...feature,
        send: (survey) => feature.send(stamp(survey)),
        submitSurvey: (survey) => feature.submitSurvey(stamp(survey)),
      };
    },
  };
}
