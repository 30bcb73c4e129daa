/**
 * `@aftercall/client/twilio`: follow a Twilio Video `Room` (twilio-video 2.x) and learn the call's ids,
 * duration, the media it used and how it ended, for `shouldAsk` and the survey. Pass the promise
 * `Video.connect()` returns, so a failed join is seen too. Nothing of twilio-video is imported at run
 * time.
 *
 * Twilio does not expose its peer connections, and `room.getStats()` answers Twilio's own report, not an
 * `RTCStatsReport`: nothing is handed to `options.stats`. A participant removed through Twilio's REST
 * API gets the same `disconnected` event, without an error, as one who left: both read `left`.
 *
 * @example
 * ```ts
 * import { connect } from "twilio-video";
 * import { trackTwilioRoom } from "@aftercall/client/twilio";
 *
 * const tracker = trackTwilioRoom(connect(token, { name: "standup" }));
 * const call = await tracker.ended;
 * if ((await surveys.shouldAsk(call)).ask) showSurvey(call, call.modalities);
 * ```
 *
 * @module
 */
import type { LocalParticipant, LocalTrackPublication, RemoteTrack, Room, TwilioError } from "twilio-video";
import {
  type AdapterOptions,
  type CallEndReason,
  type CallTracker,
  createCallRecord,
  trackModality,
} from "./call-record.js";

export type {
  AdapterOptions,
  CallEndReason,
  CallStatsSink,
  CallSummary,
  CallTracker,
  Modality,
} from "./call-record.js";

/** The event-emitter side of Twilio's objects (Node's `EventEmitter`, which they extend). */
interface Emitter {
  // biome-ignore lint/suspicious/noExplicitAny: listeners of any event, as EventEmitter declares them.
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** The parts of a Twilio `Room` the adapter uses (a `Room` is one; the test checks it). */
export interface TwilioRoom extends Emitter, Pick<Room, "sid" | "state"> {
  localParticipant: Emitter & Pick<LocalParticipant, "identity" | "tracks">;
}

/**
 * How a `disconnected` error ends the call: none (the participant left) or 53118 (the room was
 * completed for everyone) is a normal end; 53205 (the same identity joined elsewhere) is not the end
 * of that person's call; anything else is a lost connection (signalling 530xx, media 534xx).
 */
export function endOfDisconnect(error: Pick<TwilioError, "code"> | null | undefined): CallEndReason {
  if (!error || error.code === 53118) return "left";
  return error.code === 53205 ? "removed" : "connection-lost";
}

/**
 * Follow the room `Video.connect()` resolves with (or the room itself, already connected). The call id
 * is the room's sid (unique per room instance), the participant id the local identity. Media counts
 * when the participant publishes it or subscribes to someone's; a screen share is a video track from
 * `getDisplayMedia` (or with `contentHint` `detail`/`text`).
 */
export function trackTwilioRoom(
  room: TwilioRoom | Promise<TwilioRoom>,
  options: AdapterOptions = {},
): CallTracker {
  const removers: (() => void)[] = [];
  const record = createCallRecord(options, () => {
    for (const remove of removers.splice(0)) remove();
  });
  const attach = (room: TwilioRoom) => {
    if (record.over) return;
    const local = room.localParticipant;
    const published = (publication: LocalTrackPublication) => {
      const media = (publication.track as { mediaStreamTrack?: MediaStreamTrack }).mediaStreamTrack;
      if (media) record.use(trackModality(media));
    };
    const subscribed = (track: RemoteTrack) => {
      if (track.kind === "audio" || track.kind === "video") record.use(track.kind);
    };
    const disconnected = (_room: unknown, error: TwilioError | null) => record.finish(endOfDisconnect(error));
    record.identify(room.sid, local.identity);
    if (room.state === "disconnected") return record.finish("left");
    record.joined();
    for (const publication of local.tracks.values()) published(publication);
    local.on("trackPublished", published);
    room.on("trackSubscribed", subscribed);
    room.on("disconnected", disconnected);
    removers.push(() => {
      local.removeListener("trackPublished", published);
      room.removeListener("trackSubscribed", subscribed);
      room.removeListener("disconnected", disconnected);
    });
  };
  if ("then" in room) room.then(attach, () => record.finish("join-failed"));
  else attach(room);
  return record.tracker;
}
