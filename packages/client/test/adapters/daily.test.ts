import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type {
  DailyCall,
  DailyEventObjectFatalError,
  DailyEventObjectParticipants,
  DailyEventObjectTrack,
  DailyParticipant,
} from "@daily-co/daily-js";
import { type DailyCallObject, endOfFatalError, trackDailyCall } from "../../src/adapters/daily.js";

// daily-js's call object needs a browser and Daily's servers to join, neither of which the tests have;
// the call objects below are event emitters checked against daily-js's own declarations (a real
// `DailyCall` must be a `DailyCallObject`), emitting payloads typed by them.
const accepts = (call: DailyCall): DailyCallObject => call;
void accepts;

function callObject(sessionId = "mtg-session-1") {
  const emitter = new EventEmitter();
  const call = {
    on: (event: string, handler: (e?: unknown) => void) => emitter.on(event, handler),
    off: (event: string, handler: (e?: unknown) => void) => emitter.off(event, handler),
    meetingSessionSummary: () => ({ id: sessionId }),
  } satisfies DailyCallObject;
  return { call, emitter };
}

const local = { session_id: "sess-local", user_id: "user-42", local: true } as DailyParticipant;
const joined: DailyEventObjectParticipants = {
  action: "joined-meeting",
  callClientId: "client-1",
  participants: { local },
};
const track = (type: DailyEventObjectTrack["type"]): DailyEventObjectTrack => ({
  action: "track-started",
  callClientId: "client-1",
  participant: local,
  track: {} as MediaStreamTrack,
  type,
});
const fatal = (type: "ejected" | "nbf-room" | "connection-error"): DailyEventObjectFatalError => ({
  action: "error",
  callClientId: "client-1",
  errorMsg: type,
  error: { type, msg: type, details: {} },
});

describe("trackDailyCall", () => {
  it("reads Daily's fatal errors: ejected is a removal, expiries a normal end, the rest a failed join or lost connection", () => {
    assert.equal(endOfFatalError("ejected"), "removed");
    assert.equal(endOfFatalError("exp-room"), "left");
    assert.equal(endOfFatalError("end-of-life"), "left");
    assert.equal(endOfFatalError("connection-error"), "connection-lost");
    assert.equal(endOfFatalError("meeting-full"), "join-failed");
    assert.equal(endOfFatalError(undefined), "join-failed");
  });

  it("follows a meeting: session id, user id, media of all tracks started, a normal leave", async () => {
    const { call, emitter } = callObject();
    const tracker = trackDailyCall(call);
    emitter.emit("joined-meeting", joined);
    for (const type of ["audio", "screenVideo", "rmpVideo"] as const)
      emitter.emit("track-started", track(type));
    emitter.emit("left-meeting", { action: "left-meeting" });
    const ended = await tracker.ended;
    assert.deepEqual(
      [ended.callId, ended.participantId, ended.modalities, ended.endReason],
      ["mtg-session-1", "user-42", ["audio", "screenshare"], "left"],
    );
    assert.equal(emitter.eventNames().length, 0, "every handler removed");
  });

  it("an ejection is a removal; an error before joining is a failed join", async () => {
    const ejected = callObject();
    const a = trackDailyCall(ejected.call);
    ejected.emitter.emit("joined-meeting", joined);
    ejected.emitter.emit("error", fatal("ejected"));
    assert.deepEqual([(await a.ended).endReason, (await a.ended).removedFromCall], ["removed", true]);

    const early = callObject();
    const b = trackDailyCall(early.call);
    early.emitter.emit("error", fatal("nbf-room"));
    assert.equal((await b.ended).endReason, "join-failed");
  });
});
