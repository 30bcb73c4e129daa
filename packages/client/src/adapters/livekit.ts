/**
 * `@aftercall/client/livekit`: follow a LiveKit `Room` (livekit-client 2.x) and learn the call's ids,
 * duration, the media it used and how it ended, for `shouldAsk` and the survey. Nothing of
 * livekit-client is imported at run time: the adapter only listens to the room you pass.
 *
 * @example
 * ```ts
 * import { Room } from "livekit-client";
 * import { trackLiveKitRoom } from "@aftercall/client/livekit";
 *
 * const room = new Room();
 * const tracker = trackLiveKitRoom(room, { participantId: user.id });
 * await room.connect(url, token).catch(() => tracker.end("join-failed"));
 * const call = await tracker.ended;
 * if ((await surveys.shouldAsk(call)).ask) showSurvey(call, call.modalities);
 * ```
 *
 * @module
 */
import type { DisconnectReason, Room, TrackPublication } from "livekit-client";
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

/**
 * `DisconnectReason` values (LiveKit's protocol; the test checks them against livekit-client) that are
 * not a plain leave. Ending the room for everyone (`ROOM_DELETED`, `ROOM_CLOSED`) is a normal end.
 */
const END_OF: Partial<Record<number, CallEndReason>> = {
  0: "connection-lost", // UNKNOWN_REASON
  2: "removed", // DUPLICATE_IDENTITY: the same person joined elsewhere; not the end of their call
  3: "connection-lost", // SERVER_SHUTDOWN
  4: "removed", // PARTICIPANT_REMOVED
  6: "connection-lost", // STATE_MISMATCH
  7: "join-failed", // JOIN_FAILURE
  8: "connection-lost", // MIGRATION
  9: "connection-lost", // SIGNAL_CLOSE
  11: "join-failed", // USER_UNAVAILABLE
  12: "join-failed", // USER_REJECTED
  13: "join-failed", // SIP_TRUNK_FAILURE
  14: "connection-lost", // CONNECTION_TIMEOUT
  15: "connection-lost", // MEDIA_FAILURE
  16: "connection-lost", // AGENT_ERROR
};

/** How a disconnect reason ends the participant's call; no reason (an old server) is a plain leave. */
export const endOfDisconnect = (reason: DisconnectReason | undefined): CallEndReason =>
  (reason === undefined ? undefined : END_OF[reason]) ?? "left";

/** The medium of a publication, by its source (`camera`, `microphone`, `screen_share`…), else its kind. */
function modalityOf(publication: TrackPublication): Modality | undefined {
  const source = String(publication.source);
  if (source.startsWith("screen_share")) return "screenshare";
  if (source === "camera") return "video";
  if (source === "microphone") return "audio";
  const kind = String(publication.kind);
  return kind === "audio" || kind === "video" ? kind : undefined;
}

/**
 * Follow `room` from now on (before or after `connect()`). The call starts at `connected`; its id is
 * the room's sid (unique per session of a room name), its participant id the local identity. Media
 * counts when published locally or subscribed from others. A `moved` room (LiveKit moving the
 * participant to another room) is followed, not an end. The call ends at `disconnected`, its reason
 * mapped by {@link endOfDisconnect}. The publisher and subscriber connections' stats go to
 * `options.stats` once connected.
 */
export function trackLiveKitRoom(room: Room, options: AdapterOptions = {}): CallTracker {
  const removers: (() => void)[] = [];
  const record = createCallRecord(options, () => {
    for (const remove of removers.splice(0)) remove();
  });
  const use = (publication: TrackPublication) => {
    const modality = modalityOf(publication);
    if (modality) record.use(modality);
  };
  const identify = () => {
    record.identify(room.name, room.localParticipant.identity);
    room.getSid().then(
      (sid) => record.identify(sid),
      () => {},
    );
  };
  let statsHanded = false;
  const onConnected = () => {
    record.joined();
    identify();
    for (const publication of room.localParticipant.trackPublications.values()) use(publication);
    for (const participant of room.remoteParticipants.values())
      for (const publication of participant.trackPublications.values())
        if (publication.isSubscribed) use(publication);
    if (options.stats && !statsHanded) {
      statsHanded = true;
      // Resolved at each call: a reconnection replaces the transports.
      for (const side of ["publisher", "subscriber"] as const)
        options.stats.addStatsSource(
          () =>
            room.engine.pcManager?.[side]?.getStats() ??
            Promise.reject(new Error(`LiveKit has no ${side} connection now`)),
          `livekit-${side}`,
        );
    }
  };
  const onPublished = (publication: TrackPublication) => use(publication);
  const onSubscribed = (_track: unknown, publication: TrackPublication) => use(publication);
  const onMoved = (name: string) => {
    record.moved(name);
    identify();
  };
  const onDisconnected = (reason?: DisconnectReason) => record.finish(endOfDisconnect(reason));
  // `connected` can come before the room's state says so, when its sid cannot be read yet.
  const onState = (state: unknown) => String(state) === "connected" && onConnected();
  room
    .on("connected", onConnected)
    .on("connectionStateChanged", onState)
    .on("localTrackPublished", onPublished)
    .on("trackSubscribed", onSubscribed)
    .on("moved", onMoved)
    .on("disconnected", onDisconnected);
  removers.push(() =>
    room
      .off("connected", onConnected)
      .off("connectionStateChanged", onState)
      .off("localTrackPublished", onPublished)
      .off("trackSubscribed", onSubscribed)
      .off("moved", onMoved)
      .off("disconnected", onDisconnected),
  );
  if (String(room.state) === "connected") onConnected();
  return record.tracker;
}
