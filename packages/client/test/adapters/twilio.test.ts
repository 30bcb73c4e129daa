import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type { LocalTrackPublication, RemoteTrack, Room } from "twilio-video";
import { endOfDisconnect, type TwilioRoom, trackTwilioRoom } from "../../src/adapters/twilio.js";

// A twilio-video Room exists only once Twilio's servers accepted a connection, which cannot happen
// here; the rooms below are event emitters checked against twilio-video's own declarations (a real
// `Room` must be a `TwilioRoom`), emitting the events and payloads those declarations define.
const accepts = (room: Room): TwilioRoom => room;
void accepts;

/** A connected room as twilio-video describes it, with a local participant. */
function connectedRoom() {
  const local = Object.assign(new EventEmitter(), {
    identity: "alice@example.com",
    tracks: new Map<string, LocalTrackPublication>(),
  });
  const room = Object.assign(new EventEmitter(), {
    sid: "RM0123",
    state: "connected",
    localParticipant: local,
  });
  return room satisfies TwilioRoom;
}

/** A local publication whose track carries `media` (the only part the adapter reads). */
const publication = (media: Partial<MediaStreamTrack>) =>
  ({ track: { mediaStreamTrack: media } }) as unknown as LocalTrackPublication;

describe("trackTwilioRoom", () => {
  it("reads Twilio's disconnect errors: none or 53118 is a normal end, 53205 a replacement, others lost", () => {
    assert.equal(endOfDisconnect(null), "left");
    assert.equal(endOfDisconnect({ code: 53118 }), "left");
    assert.equal(endOfDisconnect({ code: 53205 }), "removed");
    assert.equal(endOfDisconnect({ code: 53001 }), "connection-lost");
    assert.equal(endOfDisconnect({ code: 53405 }), "connection-lost");
  });

  it("follows the room connect() resolves with: sid, identity, media published and subscribed, the end", async () => {
    const room = connectedRoom();
    room.localParticipant.tracks.set("MT1", publication({ kind: "audio" }));
    const tracker = trackTwilioRoom(Promise.resolve(room));
    await new Promise((r) => setImmediate(r));
    room.localParticipant.emit(
      "trackPublished",
      publication({ kind: "video", getSettings: () => ({ displaySurface: "monitor" }) }),
    );
    room.emit("trackSubscribed", { kind: "video" } as RemoteTrack);
    room.emit("trackSubscribed", { kind: "data" } as RemoteTrack);
    assert.equal(tracker.current().endReason, undefined);
    room.emit("disconnected", room, { code: 53001, message: "Signaling connection disconnected" });
    const call = await tracker.ended;
    assert.deepEqual(
      [call.callId, call.participantId, call.modalities, call.endReason],
      ["RM0123", "alice@example.com", ["audio", "video", "screenshare"], "connection-lost"],
    );
    assert.equal(room.listenerCount("disconnected"), 0, "listeners removed");
    assert.equal(room.localParticipant.listenerCount("trackPublished"), 0);
  });

  it("a connect() that rejects is a failed join", async () => {
    const tracker = trackTwilioRoom(Promise.reject(new Error("Room not found")));
    const call = await tracker.ended;
    assert.deepEqual([call.endReason, call.joinFailed], ["join-failed", true]);
  });
});
