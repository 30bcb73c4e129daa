/**
 * Analytics statements asked for together run as one batch, one batch at a time; while surveys are being
 * committed, the next batch waits for the share of time the last one took, and never otherwise.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { SqlFragment } from "../../src/store/database.js";
import { IngestActivity, PacedReads } from "../../src/store/paced-reads.js";

/** An executor whose batches take `ms` and record when they started and ended. */
function slowExecutor(ms: number) {
  const batches: Array<{ sqls: string[]; started: number; ended: number }> = [];
  const execute = async (batch: readonly SqlFragment[]) => {
    const started = performance.now();
    await sleep(ms);
    batches.push({ sqls: batch.map((f) => f.sql), started, ended: performance.now() });
    return batch.map(
      (f): PromiseSettledResult<unknown[]> =>
        f.sql === "fail"
          ? { status: "rejected", reason: new Error("no such table") }
          : { status: "fulfilled", value: [{ sql: f.sql }] },
    );
  };
  return { batches, execute };
}

const statement = (sql: string): SqlFragment => ({ sql, params: [] });

describe("PacedReads", () => {
  it("runs the statements of one tick as one batch and settles each on its own", async () => {
    const { batches, execute } = slowExecutor(1);
    const reads = new PacedReads(execute, { share: 0.5, ingesting: () => false });
    const results = await Promise.allSettled([
      reads.run(statement("a")),
      reads.run(statement("fail")),
      reads.run(statement("b")),
    ]);
    assert.deepEqual(
      batches.map((b) => b.sqls),
      [["a", "fail", "b"]],
    );
    assert.deepEqual(results[0], { status: "fulfilled", value: [{ sql: "a" }] });
    assert.match(String((results[1] as PromiseRejectedResult).reason), /no such table/);
    assert.deepEqual(results[2], { status: "fulfilled", value: [{ sql: "b" }] });
  });

  it("runs batches one at a time, back to back when nothing is being ingested", async () => {
    const { batches, execute } = slowExecutor(40);
    const reads = new PacedReads(execute, { share: 0.5, ingesting: () => false });
    await Promise.all([reads.run(statement("a")), sleep(0).then(() => reads.run(statement("b")))]);
    const [first, second] = batches;
    assert.ok(first && second);
    assert.ok(second.started >= first.ended - 1, "the second batch starts after the first ended");
    assert.ok(second.started - first.ended < 20, `waited ${second.started - first.ended} ms`);
  });

  it("while ingesting, rests after a batch as long as it took at share 0.5, a third as long at 0.75", async () => {
    for (const [share, factor] of [
      [0.5, 1],
      [0.75, 1 / 3],
    ] as const) {
      const { batches, execute } = slowExecutor(60);
      const reads = new PacedReads(execute, { share, ingesting: () => true, burstMs: 0 });
      await Promise.all([reads.run(statement("a")), sleep(0).then(() => reads.run(statement("b")))]);
      const [first, second] = batches;
      assert.ok(first && second);
      const rest = second.started - first.ended;
      const expected = (first.ended - first.started) * factor;
      assert.ok(rest >= expected - 5, `share ${share}: rested ${rest} ms, expected ${expected}`);
      assert.ok(rest < expected + 30, `share ${share}: rested ${rest} ms, expected ${expected}`);
    }
  });

  it("never rests at share 1, and a lone request never waits for its own pause", async () => {
    const { batches, execute } = slowExecutor(40);
    const reads = new PacedReads(execute, { share: 1, ingesting: () => true });
    await Promise.all([reads.run(statement("a")), sleep(0).then(() => reads.run(statement("b")))]);
    const [first, second] = batches;
    assert.ok(first && second && second.started - first.ended < 20);

    const paced = slowExecutor(30);
    const lone = new PacedReads(paced.execute, { share: 0.5, ingesting: () => true, burstMs: 0 });
    const started = performance.now();
    await lone.run(statement("a"));
    assert.ok(performance.now() - started < 30 + 20, "answered when its batch ended");
  });

  it("lets a burst run back to back while ingesting, then paces what follows", async () => {
    const { batches, execute } = slowExecutor(30);
    const reads = new PacedReads(execute, { share: 0.5, ingesting: () => true, burstMs: 70 });
    // One request after the other: after each 30 ms batch 30 ms more rest is owed; up to 70 ms may be.
    for (let i = 0; i < 5; i++) await reads.run(statement(String(i)));
    const rests = batches.slice(1).map((b, i) => b.started - (batches[i] as { ended: number }).ended);
    const shown = rests.map(Math.round).join(", ");
    assert.ok((rests[0] as number) < 12 && (rests[1] as number) < 12, `the burst ran back to back: ${shown}`);
    assert.ok((rests[2] as number) >= 12, `then batches waited: ${shown}`);
    assert.ok((rests[3] as number) >= 20, `then batches waited: ${shown}`);
  });

  it("refuses a share outside (0, 1]", () => {
    for (const share of [0, -0.5, 1.5, Number.NaN]) {
      assert.throws(
        () => new PacedReads(slowExecutor(1).execute, { share, ingesting: () => false }),
        RangeError,
      );
    }
  });
});

describe("IngestActivity", () => {
  it("counts as ingesting once a commit starts", () => {
    const activity = new IngestActivity();
    assert.equal(activity.ingesting(), false);
    activity.noteCommit();
    assert.equal(activity.ingesting(), true);
  });
});
