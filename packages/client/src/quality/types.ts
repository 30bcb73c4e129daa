import type { CallQualitySummary } from "@aftercall/schema";

/**
 * Where calling SDKs hand their media statistics: a peer connection, or a function returning a
 * `getStats()` report (for SDKs that wrap their connections). The collector samples each one.
 */
export interface CallStatsSink {
  addPeerConnection(pc: RTCPeerConnection, label?: string): void;
  addStatsSource(getStats: () => Promise<RTCStatsReport>, label?: string): void;
}

/** Options of `createCallQuality`. */
export interface CallQualityOptions {
  /** How often each source is sampled, ms; at least 1000, default 5000. */
  intervalMs?: number;
}

/**
 * A call-quality collector. Label a source `"screenshare"` when all its video is a screen share; other
 * screen shares are recognised by their stats (`contentType`).
 */
export interface CallQualityCollector extends CallStatsSink {
  /** Sample every source now (the collector also does it every `intervalMs`); nothing once stopped. */
  sample(): Promise<void>;
  /** The summary of what was measured so far; never throws. */
  summary(): CallQualitySummary;
  /** Take a last sample, stop sampling, and resolve to the final summary. Call it before closing the connections. */
  stop(): Promise<CallQualitySummary>;
}
