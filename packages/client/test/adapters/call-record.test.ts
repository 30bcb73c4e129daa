import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCallRecord } from "../../src/adapters/call-record.js";

describe("the call record behind every adapter", () => {
  it("summarises ids, duration, media in catalogue order and how the call ended", async () => {
    let detached = 0;
    const record = createCallRecord({}, () => detached++);
    record.identify("room-1", "alice");
    record.use("screenshare");
    record.joined();
    record.use("audio");
    record.use("audio");
    assert.equal(record.tracker.current().endReason, undefined);
    record.finish("connection-lost");
    record.finish("left");
    const call = await record.tracker.ended;
    assert.deepEqual(call, {
      callId: "room-1",
      participantId: "alice",
      durationSeconds: 0,
      modalities: ["audio", "screenshare"],
      endReason: "connection-lost",
      joinFailed: false,
      removedFromCall: false,
      movedToBreakout: false,
    });
    assert.equal(detached, 1, "listeners removed once, when the call ended");
    record.use("video");
    assert.deepEqual(record.tracker.current().modalities, ["audio", "screenshare"], "nothing after the end");
  });

  it("turns any end before a join into a failed join, and maps removals and moves to their flags", async () => {
    const never = createCallRecord({}, () => {});
    never.finish("left");
    assert.deepEqual(
      [never.tracker.current().endReason, never.tracker.current().joinFailed],
      ["join-failed", true],
    );
    const removed = createCallRecord({}, () => {});
    removed.joined();
    removed.finish("removed");
    assert.equal(removed.tracker.current().removedFromCall, true);
    const moved = createCallRecord({}, () => {});
    moved.joined();
    moved.tracker.end("moved-to-breakout");
    assert.equal((await moved.tracker.ended).movedToBreakout, true);
  });

  it("lets the app's ids win over the SDK's, and follows a move to another room", () => {
    const record = createCallRecord({ participantId: "user-42" }, () => {});
    record.identify("RM_1", "PA_1");
    assert.deepEqual(
      [record.tracker.current().callId, record.tracker.current().participantId],
      ["RM_1", "user-42"],
    );
    record.moved("RM_2");
    record.identify("", "");
    assert.equal(record.tracker.current().callId, "RM_2");
    const fixed = createCallRecord({ callId: "meeting-7" }, () => {});
    fixed.moved("RM_3");
    assert.equal(fixed.tracker.current().callId, "meeting-7");
  });

  it("stop() detaches without ending the call", () => {
    let detached = 0;
    const record = createCallRecord({}, () => detached++);
    record.tracker.stop();
    record.tracker.stop();
    assert.equal(detached, 1);
    assert.equal(record.over, false);
  });
});
