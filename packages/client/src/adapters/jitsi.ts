/**
 * `@aftercall/client/jitsi`: follow a Jitsi Meet call embedded with the IFrame API (`JitsiMeetExternalAPI`,
 * or `onApiReady` of `@jitsi/react-sdk`) and learn the call's ids, duration, the media it used and how
 * it ended, for `shouldAsk` and the survey.
 *
 * The meeting runs in another origin's iframe: its peer connections and stats are out of reach, and
 * nothing is handed to `options.stats`. A move to a breakout room (and back) leaves one conference and
 * joins another in the same iframe; the adapter follows it instead of ending the call.
 *
 * @example
 * ```ts
 * import { trackJitsiMeeting } from "@aftercall/client/jitsi";
 *
 * const api = new JitsiMeetExternalAPI("meet.example.com", { roomName: "standup", parentNode });
 * const tracker = trackJitsiMeeting(api, { participantId: user.id });
 * const call = await tracker.ended;
 * if ((await surveys.shouldAsk(call)).ask) showSurvey(call, call.modalities);
 * ```
 *
 * @module
 */
import { type AdapterOptions, type CallTracker, createCallRecord } from "./call-record.js";

export type {
  AdapterOptions,
  CallEndReason,
  CallStatsSink,
  CallSummary,
  CallTracker,
  Modality,
} from "./call-record.js";

/** The IFrame API object: an event emitter (`IJitsiMeetExternalApi` of `@jitsi/react-sdk` is one; the test checks it). */
export interface JitsiMeetApi {
  // biome-ignore lint/suspicious/noExplicitAny: listeners of any event, as the API declares them.
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** Options of {@link trackJitsiMeeting}. */
export interface JitsiOptions extends AdapterOptions {
  /**
   * How long after leaving a conference a join of another one in the same iframe still counts as a
   * move (to or from a breakout room) rather than a new call. A leave ends the call at once when Jitsi
   * says it is `readyToClose` (the participant hung up). Default 5000 ms.
   */
  moveWindowMs?: number;
}

/** Payloads of the IFrame API events the adapter reads (Jitsi Meet's handbook, "IFrame API" events). */
interface Joined {
  roomName?: string;
  id?: string;
}
interface KickedOut {
  kicked?: { id?: string; local?: boolean };
}
interface Fatal {
  isFatal?: boolean;
}

/**
 * Follow the meeting in `api` from now on. The call starts at `videoConferenceJoined`; its id is the
 * room name, its participant id the local endpoint id (new each session: pass `participantId` for
 * cooldowns across calls). Media counts when the participant unmutes audio or video, when anyone shares
 * content, or when someone speaks. It ends at `readyToClose`, when no conference follows a leave within
 * `moveWindowMs`, when the participant is kicked (`removed`), or at a fatal error.
 */
export function trackJitsiMeeting(api: JitsiMeetApi, options: JitsiOptions = {}): CallTracker {
  const { moveWindowMs = 5000 } = options;
  let leaving: ReturnType<typeof setTimeout> | undefined;
  const settle = () => {
    clearTimeout(leaving);
    leaving = undefined;
  };
  const record = createCallRecord(options, () => {
    settle();
    for (const [event, listener] of Object.entries(listeners)) api.removeListener(event, listener);
  });
  const listeners: Record<string, (payload?: never) => void> = {
    videoConferenceJoined: ({ roomName, id }: Joined = {}) => {
      if (leaving) record.moved(roomName);
      settle();
      record.identify(roomName, id);
      record.joined();
    },
    videoConferenceLeft: () => {
      settle();
      leaving = setTimeout(() => record.finish("left"), moveWindowMs);
    },
    readyToClose: () => record.finish("left"),
    participantKickedOut: ({ kicked }: KickedOut = {}) => kicked?.local && record.finish("removed"),
    errorOccurred: ({ isFatal }: Fatal = {}) => isFatal && record.finish("connection-lost"),
    audioMuteStatusChanged: ({ muted }: { muted?: boolean } = {}) => muted === false && record.use("audio"),
    videoMuteStatusChanged: ({ muted }: { muted?: boolean } = {}) => muted === false && record.use("video"),
    screenSharingStatusChanged: ({ on }: { on?: boolean } = {}) => on && record.use("screenshare"),
    contentSharingParticipantsChanged: ({ data }: { data?: unknown[] } = {}) =>
      data?.length && record.use("screenshare"),
    dominantSpeakerChanged: () => record.use("audio"),
  };
  for (const [event, listener] of Object.entries(listeners)) api.on(event, listener);
  return record.tracker;
}
