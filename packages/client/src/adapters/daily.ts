/**
 * `@aftercall/client/daily`: follow a Daily call object (`@daily-co/daily-js`) and learn the call's ids,
 * duration, the media it used and how it ended, for `shouldAsk` and the survey. Nothing of daily-js is
 * imported at run time.
 *
 * Daily does not expose its peer connections, and `getNetworkStats()` answers Daily's own summary, not an
 * `RTCStatsReport`: nothing is handed to `options.stats`.
 *
 * @example
 * ```ts
 * import Daily from "@daily-co/daily-js";
 * import { trackDailyCall } from "@aftercall/client/daily";
 *
 * const call = Daily.createCallObject();
 * const tracker = trackDailyCall(call);
 * await call.join({ url });
 * const ended = await tracker.ended;
 * if ((await surveys.shouldAsk(ended)).ask) showSurvey(ended, ended.modalities);
 * ```
 *
 * @module
 */
import type {
  DailyCall,
  DailyEventObjectFatalError,
  DailyEventObjectMeetingSessionSummaryUpdated,
  DailyEventObjectParticipants,
  DailyEventObjectTrack,
  DailyFatalErrorType,
} from "@daily-co/daily-js";
import {
  type AdapterOptions,
  type CallEndReason,
  type CallTracker,
  createCallRecord,
  type Modality,
} from "./call-record.js";

export type {
  AdapterOptions,
  CallEndReason,
  CallStatsSink,
  CallSummary,
  CallTracker,
  Modality,
} from "./call-record.js";

/** The parts of a Daily call object the adapter uses (a `DailyCall` is one; the test checks it). */
export interface DailyCallObject extends Pick<DailyCall, "meetingSessionSummary"> {
  // biome-ignore lint/suspicious/noExplicitAny: handlers of any Daily event, typed below per event.
  on(event: string, handler: (event?: any) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  off(event: string, handler: (event?: any) => void): unknown;
}

/**
 * How a fatal Daily error ends the call: `ejected` is a removal; the meeting or token running out, or
 * the room ending, is a normal end; a lost connection is lost; every other fatal error (a room not yet
 * open, missing, full, not allowed) keeps the participant out.
 */
export function endOfFatalError(type: DailyFatalErrorType | undefined): CallEndReason {
  if (type === "ejected") return "removed";
  if (type === "exp-room" || type === "exp-token" || type === "end-of-life") return "left";
  return type === "connection-error" ? "connection-lost" : "join-failed";
}

const MEDIUM: Partial<Record<DailyEventObjectTrack["type"], Modality>> = {
  audio: "audio",
  video: "video",
  screenVideo: "screenshare",
  screenAudio: "screenshare",
};

/**
 * Follow `call` from now on (before `join()`). The call starts at `joined-meeting`; its id is Daily's
 * meeting session id (unique per session of a room), its participant id the local `user_id` (your
 * user id when the meeting token sets one, else Daily's session id). Media counts when a track of the
 * participant or of others starts. It ends at `left-meeting`, or at a fatal `error`
 * ({@link endOfFatalError}).
 */
export function trackDailyCall(call: DailyCallObject, options: AdapterOptions = {}): CallTracker {
  const record = createCallRecord(options, () => {
    for (const [event, handler] of Object.entries(handlers)) call.off(event, handler);
  });
  const session = () => {
    try {
      return call.meetingSessionSummary()?.id;
    } catch {
      return undefined;
    }
  };
  // Each handler is typed by daily-js's payload of its event.
  // biome-ignore lint/suspicious/noExplicitAny: a table of handlers of different events.
  const handlers: Record<string, (event: any) => void> = {
    "joined-meeting": (event: DailyEventObjectParticipants) => {
      const local = event.participants.local;
      record.identify(session(), local.user_id || local.session_id);
      record.joined();
    },
    "meeting-session-summary-updated": (event: DailyEventObjectMeetingSessionSummaryUpdated) =>
      record.identify(event.meetingSession.id),
    "track-started": (event: DailyEventObjectTrack) => {
      const medium = MEDIUM[event.type];
      if (medium) record.use(medium);
    },
    "left-meeting": () => record.finish("left"),
    error: (event: DailyEventObjectFatalError) => record.finish(endOfFatalError(event.error?.type)),
  };
  for (const [event, handler] of Object.entries(handlers)) call.on(event, handler);
  return record.tracker;
}
