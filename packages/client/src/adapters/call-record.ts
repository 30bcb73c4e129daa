import type { CallInfo } from "../types.js";

/** Where an adapter hands the call's media statistics (e.g. @aftercall/client/quality's collector). */
export interface CallStatsSink {
  addPeerConnection(pc: RTCPeerConnection, label?: string): void;
  addStatsSource(getStats: () => Promise<RTCStatsReport>, label?: string): void;
}

/** A medium a call can use; each is asked about in the survey only if the call used it. */
export type Modality = "audio" | "video" | "screenshare";

/**
 * How the participant's part in the call ended. `join-failed`, `removed` and `moved-to-breakout` are
 * do-not-ask reasons for `shouldAsk`; a call that ended on `connection-lost` is asked about (it is the
 * call most worth hearing about).
 */
export type CallEndReason = "left" | "join-failed" | "removed" | "moved-to-breakout" | "connection-lost";

/**
 * What an adapter learned about the call: pass it to `surveys.shouldAsk(summary)`, `surveys.forCall(summary)`
 * and the widget's `call` and `modalities`.
 */
export interface CallSummary extends CallInfo {
  /** What the call used, sent or received, in catalogue order. */
  modalities: Modality[];
  /** How it ended; `undefined` while the call runs. */
  endReason?: CallEndReason | undefined;
}

/** One call followed through its SDK's object. */
export interface CallTracker {
  /** The call as known now; while it runs, `durationSeconds` is the time so far. */
  current(): CallSummary;
  /** Resolves once, when the participant's part in the call ends (not on a move between rooms it follows). */
  readonly ended: Promise<CallSummary>;
  /** Record a medium the SDK cannot reveal (e.g. a remote screen share in plain WebRTC). */
  use(modality: Modality): void;
  /** End the call from the app (e.g. `"join-failed"` when the SDK's connect rejected); default `"left"`. */
  end(reason?: CallEndReason): void;
  /** Stop listening to the SDK's object; what was learned stays. */
  stop(): void;
}

/** Options every adapter takes. */
export interface AdapterOptions {
  /** Receives the SDK's peer connections or stats function, where the SDK exposes them. */
  stats?: CallStatsSink;
  /** Use this call id instead of the one the SDK gives (e.g. your own meeting id). */
  callId?: string;
  /** Use this participant id instead of the SDK's (e.g. your user id, so cooldowns follow the person). */
  participantId?: string;
}

const MODALITIES: readonly Modality[] = ["audio", "video", "screenshare"];

/**
 * The medium of a media track. A video track is screen content when it came from `getDisplayMedia` (it
 * has a `displaySurface`) or is marked as such with `contentHint` `detail` or `text`, as screen-sharing
 * apps should mark it.
 */
export function trackModality(
  track: Pick<MediaStreamTrack, "kind" | "contentHint"> & { getSettings?(): MediaTrackSettings },
): Modality {
  if (track.kind === "audio") return "audio";
  const surface = (track.getSettings?.() as { displaySurface?: string } | undefined)?.displaySurface;
  return surface || track.contentHint === "detail" || track.contentHint === "text" ? "screenshare" : "video";
}

/** The adapter-facing side of a tracker: what the SDK's events feed. */
export interface CallRecord {
  tracker: CallTracker;
  /** The SDK's ids; options given by the app win. Empty values are ignored. */
  identify(callId?: string, participantId?: string): void;
  /** The participant is in the call (the first time starts the clock). */
  joined(): void;
  /** The call used this medium. */
  use(modality: Modality): void;
  /** The participant moved to another room the adapter keeps following. */
  moved(callId?: string): void;
  /** The participant's part ended; before any join, that is a failed join whatever the SDK said. */
  finish(reason: CallEndReason): void;
  /** Whether the call has ended. */
  readonly over: boolean;
}

/**
 * The shared state behind every adapter. `detach` removes the adapter's listeners; it runs on `stop()`
 * and once the call has ended.
 */
export function createCallRecord(options: AdapterOptions, detach: () => void): CallRecord {
  let callId = options.callId ?? "";
  let participantId = options.participantId ?? "";
  let joinedAt: number | undefined;
  let endedAt: number | undefined;
  let endReason: CallEndReason | undefined;
  let detached = false;
  const used = new Set<Modality>();
  let resolve: (summary: CallSummary) => void = () => {};
  const ended = new Promise<CallSummary>((r) => {
    resolve = r;
  });

  const stop = () => {
    if (detached) return;
    detached = true;
    detach();
  };

  const current = (): CallSummary => ({
    callId,
    participantId,
    durationSeconds: joinedAt === undefined ? 0 : Math.round(((endedAt ?? Date.now()) - joinedAt) / 1000),
    modalities: MODALITIES.filter((m) => used.has(m)),
    endReason,
    joinFailed: endReason === "join-failed",
    removedFromCall: endReason === "removed",
    movedToBreakout: endReason === "moved-to-breakout",
  });

  const finish = (reason: CallEndReason) => {
    if (endReason) return;
    endReason = joinedAt === undefined ? "join-failed" : reason;
    endedAt = Date.now();
    stop();
    resolve(current());
  };

  const use = (modality: Modality) => {
    if (!endReason && MODALITIES.includes(modality)) used.add(modality);
  };

  return {
    tracker: { current, ended, use, end: (reason = "left") => finish(reason), stop },
    identify(sdkCallId, sdkParticipantId) {
      if (sdkCallId && !options.callId) callId = sdkCallId;
      if (sdkParticipantId && !options.participantId) participantId = sdkParticipantId;
    },
    joined() {
      if (!endReason) joinedAt ??= Date.now();
    },
    use,
    moved(newCallId) {
      if (newCallId && !options.callId) callId = newCallId;
    },
    finish,
    get over() {
      return endReason !== undefined;
    },
  };
}
