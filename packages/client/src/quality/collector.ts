import { createAccumulator, type StatsReport } from "./accumulate.js";
import type { CallQualityCollector, CallQualityOptions } from "./types.js";

/** Most stats sources one collector samples. */
const MAX_SOURCES = 16;

/** A stats source: its getStats (made async, so a synchronous throw becomes a rejection) and label. */
interface Source {
  read: () => Promise<StatsReport>;
  label: string | undefined;
  pending?: Promise<void> | undefined;
}

/**
 * Create a call-quality collector: hand it the call's peer connections (or any `getStats` function) and
 * it samples them every few seconds until {@link CallQualityCollector.stop}, keeping only bounded running
 * aggregates; `summary()` turns them into the compact `callQuality` a survey carries. A sample costs one
 * `getStats()` per source (a slow source is skipped while its previous call is pending), and nothing in
 * it throws: a failing source is ignored, a missing stat leaves its metric out.
 *
 * @example
 * ```ts
 * import { createCallQuality } from "@aftercall/client/quality";
 *
 * const quality = createCallQuality();
 * quality.addPeerConnection(pc);                       // every peer connection of the call
 * call.on("ended", async () => {
 *   const callQuality = await quality.stop();          // before closing the peer connections
 *   const decision = await surveys.shouldAsk({ callId, participantId, callQuality });
 *   if (decision.ask) showSurvey();                    // its survey carries callQuality
 * });
 * ```
 */
export function createCallQuality(options: CallQualityOptions = {}): CallQualityCollector {
  const interval = Math.max(1000, options.intervalMs ?? 5000);
  const accumulator = createAccumulator();
  const sources: Source[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  // One getStats call per source at a time: a slow source is not asked again while its answer is pending.
  const sampleOne = (source: Source, index: number) =>
    (source.pending ??= source
      .read()
      .then((report) => accumulator.add(report, index, source.label, Date.now()))
      // A closed connection or a browser without getStats: nothing to add.
      .catch(() => {})
      .finally(() => {
        source.pending = undefined;
      }));
  const sample = async () => {
    if (!stopped) await Promise.all(sources.map(sampleOne));
  };

  const collector: CallQualityCollector = {
    addStatsSource(read, label) {
      if (stopped || sources.length >= MAX_SOURCES) return;
      const source: Source = { read: async () => read(), label };
      void sampleOne(source, sources.push(source) - 1);
      timer ??= setInterval(sample, interval);
    },
    addPeerConnection(pc, label) {
      collector.addStatsSource(() => pc.getStats(), label);
    },
    sample,
    summary: () => accumulator.summary(),
    async stop() {
      clearInterval(timer);
      // A last sample, but the call's end never waits long on a getStats that does not answer.
      await Promise.race([sample(), new Promise((resolve) => setTimeout(resolve, interval))]);
      stopped = true;
      return accumulator.summary();
    },
  };
  return collector;
}
