/**
 * `@aftercall/client/webrtc`: follow a call made with plain `RTCPeerConnection`s (one, or one per remote
 * peer in a mesh) and learn its duration, the media it used and how it ended, for `shouldAsk` and the
 * survey. Plain WebRTC has no call or participant ids: the app passes its own.
 *
 * @example
 * ```ts
 * import { trackPeerConnections } from "@aftercall/client/webrtc";
 *
 * const tracker = trackPeerConnections(pc, { callId: meeting.id, participantId: user.id });
 * const call = await tracker.ended; // after pc.close(), or a connection that failed
 * if ((await surveys.shouldAsk(call)).ask) showSurvey(call, call.modalities);
 * ```
 *
 * @module
 */
import { type AdapterOptions, type CallTracker, createCallRecord, trackModality } from "./call-record.js";

export type {
  AdapterOptions,
  CallEndReason,
  CallStatsSink,
  CallSummary,
  CallTracker,
  Modality,
} from "./call-record.js";

/** Options of {@link trackPeerConnections}: plain WebRTC has no ids of its own. */
export interface WebRtcOptions extends AdapterOptions {
  callId: string;
  participantId: string;
}

/** How often closed connections are looked for: `close()` fires no event. */
const CLOSE_CHECK_MS = 1000;

/**
 * Follow a call's peer connections. The call starts when one connects, and ends when all are closed
 * (`left`) or none is left that is not failed or closed (`connection-lost`; `join-failed` when none
 * ever connected). Media counts when the app sends a live track, or when a remote track delivers media
 * (its first `unmute`). Each connection goes to `options.stats`.
 */
export function trackPeerConnections(
  connections: RTCPeerConnection | readonly RTCPeerConnection[],
  options: WebRtcOptions,
): CallTracker {
  const pcs = Array.isArray(connections) ? [...connections] : [connections as RTCPeerConnection];
  const removers: (() => void)[] = [];
  const record = createCallRecord(options, () => {
    for (const remove of removers.splice(0)) remove();
  });

  const sent = (pc: RTCPeerConnection) => {
    for (const sender of pc.getSenders()) {
      if (sender.track?.readyState === "live") record.use(trackModality(sender.track));
    }
  };
  const check = () => {
    for (const pc of pcs) {
      if (pc.connectionState === "connected") {
        record.joined();
        sent(pc);
      }
    }
    const states = pcs.map((pc) => pc.connectionState);
    if (states.every((s) => s === "closed")) record.finish("left");
    else if (states.every((s) => s === "closed" || s === "failed")) record.finish("connection-lost");
  };

  pcs.forEach((pc, i) => {
    options.stats?.addPeerConnection(pc, pcs.length > 1 ? `peer-${i}` : "peer");
    const onTrack = ({ track }: RTCTrackEvent) => {
      const used = () => record.use(trackModality(track));
      if (!track.muted) used();
      else track.addEventListener("unmute", used, { once: true });
    };
    // Senders can change while connected (a screen share starts): look again when they renegotiate.
    const onNegotiation = () => pc.connectionState === "connected" && sent(pc);
    pc.addEventListener("connectionstatechange", check);
    pc.addEventListener("track", onTrack);
    pc.addEventListener("negotiationneeded", onNegotiation);
    removers.push(() => {
      pc.removeEventListener("connectionstatechange", check);
      pc.removeEventListener("track", onTrack);
      pc.removeEventListener("negotiationneeded", onNegotiation);
    });
  });
  const timer = setInterval(check, CLOSE_CHECK_MS);
  removers.push(() => clearInterval(timer));
  check();
  return record.tracker;
}
