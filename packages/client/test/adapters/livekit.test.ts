import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TrackInfo, TrackSource } from "@livekit/protocol";
import { DisconnectReason, LocalTrackPublication, Room, Track } from "livekit-client";
import type { CallStatsSink } from "../../src/adapters/call-record.js";
import { endOfDisconnect, trackLiveKitRoom } from "../../src/adapters/livekit.js";

// livekit-client's real Room in Node: it is an event emitter whose `emit` is typed by RoomEventCallbacks,
// so the events below are the ones the SDK emits, with its own publication objects. Connecting for real
// needs a LiveKit server, which npm does not ship; the Chromium e2e runs LiveKit's own simulated
// connection and a subscription to a remote track (e2e/livekit-adapter.e2e.test.ts): LiveKit's own
// listeners read the remote track, which needs a browser's MediaStreamTrack.

// `as never`: @livekit/protocol's ESM and CommonJS declarations of TrackInfo differ in name only.
const publication = (kind: Track.Kind, source: TrackSource) =>
  new LocalTrackPublication(kind, new TrackInfo({ sid: `TR_${source}`, source }) as never);

describe("trackLiveKitRoom", () => {
  it("maps every DisconnectReason of livekit-client by its name", () => {
    const expected: Record<string, string> = {
      UNKNOWN_REASON: "connection-lost",
      CLIENT_INITIATED: "left",
      DUPLICATE_IDENTITY: "removed",
      SERVER_SHUTDOWN: "connection-lost",
      PARTICIPANT_REMOVED: "removed",
      ROOM_DELETED: "left",
      STATE_MISMATCH: "connection-lost",
      JOIN_FAILURE: "join-failed",
      MIGRATION: "connection-lost",
      SIGNAL_CLOSE: "connection-lost",
      ROOM_CLOSED: "left",
      USER_UNAVAILABLE: "join-failed",
      USER_REJECTED: "join-failed",
      SIP_TRUNK_FAILURE: "join-failed",
      CONNECTION_TIMEOUT: "connection-lost",
      MEDIA_FAILURE: "connection-lost",
      AGENT_ERROR: "connection-lost",
    };
    const names = Object.keys(DisconnectReason).filter((k) => Number.isNaN(Number(k)));
    assert.deepEqual(
      names.sort(),
      Object.keys(expected).sort(),
      "a reason livekit-client added is mapped here",
    );
    for (const name of names)
      assert.equal(
        endOfDisconnect(DisconnectReason[name as keyof typeof DisconnectReason]),
        expected[name],
        name,
      );
    assert.equal(endOfDisconnect(undefined), "left");
  });

  it("learns media from the room's publications, follows a move, ends on removal", async () => {
    const room = new Room();
    const sources: string[] = [];
    const stats: CallStatsSink = {
      addPeerConnection: () => assert.fail("LiveKit hands stats functions"),
      addStatsSource: (_get, label) => void sources.push(label ?? ""),
    };
    const own = room.listenerCount("disconnected");
    const tracker = trackLiveKitRoom(room, { stats, participantId: "user-42" });
    assert.equal(room.listenerCount("disconnected"), own + 1);
    room.emit(
      "localTrackPublished",
      publication(Track.Kind.Audio, TrackSource.MICROPHONE),
      room.localParticipant,
    );
    room.emit("connected");
    room.emit(
      "localTrackPublished",
      publication(Track.Kind.Video, TrackSource.CAMERA),
      room.localParticipant,
    );
    room.emit("moved", "breakout-2");
    assert.equal(tracker.current().endReason, undefined, "a move is not the end");
    assert.equal(tracker.current().callId, "breakout-2");
    room.emit("disconnected", DisconnectReason.PARTICIPANT_REMOVED);
    const call = await tracker.ended;
    assert.deepEqual(
      { ...call, durationSeconds: 0 },
      {
        callId: "breakout-2",
        participantId: "user-42",
        durationSeconds: 0,
        modalities: ["audio", "video"],
        endReason: "removed",
        joinFailed: false,
        removedFromCall: true,
        movedToBreakout: false,
      },
    );
    assert.deepEqual(sources, ["livekit-publisher", "livekit-subscriber"]);
    assert.equal(room.listenerCount("disconnected"), own, "the adapter's listeners removed at the end");
  });

  it("a disconnect before connected is a failed join; stats functions reject while there is no connection", async () => {
    const room = new Room();
    const handed: (() => Promise<RTCStatsReport>)[] = [];
    const tracker = trackLiveKitRoom(room, {
      stats: { addPeerConnection: () => {}, addStatsSource: (get) => void handed.push(get) },
    });
    room.emit("disconnected", DisconnectReason.CLIENT_INITIATED);
    assert.equal((await tracker.ended).endReason, "join-failed");
    assert.equal(handed.length, 0, "nothing handed before a connection");

    const connected = new Room();
    trackLiveKitRoom(connected, {
      stats: { addPeerConnection: () => {}, addStatsSource: (get) => void handed.push(get) },
    });
    connected.emit("connected");
    connected.emit("connected");
    assert.equal(handed.length, 2, "handed once, not per reconnection");
    await assert.rejects(handed[0]?.() ?? Promise.resolve(), /no publisher connection/);
  });
});
