import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type { IJitsiMeetExternalApi } from "@jitsi/react-sdk/lib/types/index.js";
import { type JitsiMeetApi, trackJitsiMeeting } from "../../src/adapters/jitsi.js";

// The IFrame API drives a Jitsi Meet page in another origin's iframe, which the tests cannot load; the
// API objects below are event emitters, as the real one is (`IJitsiMeetExternalApi` of @jitsi/react-sdk
// must be a `JitsiMeetApi`), emitting the IFrame API's events with its documented payloads.
const accepts = (api: IJitsiMeetExternalApi): JitsiMeetApi => api;
void accepts;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("trackJitsiMeeting", () => {
  it("follows a meeting: room, endpoint id, media unmuted and shared, a hang-up", async () => {
    const api = new EventEmitter();
    const tracker = trackJitsiMeeting(api);
    api.emit("videoConferenceJoined", {
      roomName: "standup",
      id: "a1b2c3",
      displayName: "Ada",
      breakoutRoom: false,
    });
    api.emit("audioMuteStatusChanged", { muted: false });
    api.emit("videoMuteStatusChanged", { muted: true });
    api.emit("contentSharingParticipantsChanged", { data: ["d4e5f6"] });
    api.emit("videoConferenceLeft", { roomName: "standup" });
    assert.equal(tracker.current().endReason, undefined, "a leave may be a move: not the end yet");
    api.emit("readyToClose");
    const call = await tracker.ended;
    assert.deepEqual(
      [call.callId, call.participantId, call.modalities, call.endReason],
      ["standup", "a1b2c3", ["audio", "screenshare"], "left"],
    );
    assert.equal(api.eventNames().length, 0, "every listener removed");
  });

  it("follows a move to a breakout room and back, and ends when no conference follows a leave", async () => {
    const api = new EventEmitter();
    const tracker = trackJitsiMeeting(api, { moveWindowMs: 40, participantId: "user-42" });
    api.emit("videoConferenceJoined", { roomName: "all-hands", id: "e1", breakoutRoom: false });
    api.emit("videoConferenceLeft", { roomName: "all-hands" });
    await sleep(10);
    api.emit("videoConferenceJoined", { roomName: "all-hands-breakout-1", id: "e2", breakoutRoom: true });
    await sleep(60);
    assert.equal(tracker.current().endReason, undefined, "the move was followed");
    assert.deepEqual(
      [tracker.current().callId, tracker.current().participantId],
      ["all-hands-breakout-1", "user-42"],
    );
    api.emit("videoConferenceLeft", { roomName: "all-hands-breakout-1" });
    const call = await tracker.ended;
    assert.equal(call.endReason, "left");
  });

  it("a kick of the local participant is a removal; a fatal error before joining a failed join", async () => {
    const kicked = new EventEmitter();
    const a = trackJitsiMeeting(kicked);
    kicked.emit("videoConferenceJoined", { roomName: "r", id: "me" });
    kicked.emit("participantKickedOut", { kicked: { id: "other", local: false }, kicker: { id: "me" } });
    assert.equal(a.current().endReason, undefined);
    kicked.emit("participantKickedOut", { kicked: { id: "me", local: true }, kicker: { id: "mod" } });
    assert.equal((await a.ended).endReason, "removed");

    const failing = new EventEmitter();
    const b = trackJitsiMeeting(failing);
    failing.emit("errorOccurred", {
      isFatal: true,
      type: "CONNECTION",
      name: "conference.connectionError.notAllowed",
    });
    assert.equal((await b.ended).endReason, "join-failed");
  });
});
