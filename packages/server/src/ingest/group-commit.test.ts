import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupCommitter } from "./group-commit.js";
import type { GroupOutcome, SurveyGroup } from "./pending-survey.js";

/** A commit stand-in that records each transaction's groups and takes `ms` to "fsync". */
function recordingStore(ms: number, fail?: (call: number) => boolean) {
  const transactions: number[] = [];
  const state = { inFlight: 0, maxInFlight: 0 };
  return {
    transactions,
    state,
    commitSurveyGroups: async (groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> => {
      transactions.push(groups.length);
      const call = transactions.length;
      state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      state.inFlight--;
      if (fail?.(call)) throw new Error("disk on fire");
      return groups.map(() => ({ status: "committed", surveys: [] }));
    },
  };
}

const group = (n = 1): SurveyGroup => Array.from({ length: n }, () => ({}) as SurveyGroup[number]);

describe("GroupCommitter", () => {
  it("commits requests that arrive together in one transaction", async () => {
    const store = recordingStore(5);
    const committer = new GroupCommitter(store.commitSurveyGroups);
    await Promise.all(Array.from({ length: 100 }, () => committer.commit(group())));
    assert.deepEqual(store.transactions, [100]);
  });

  it("queues requests arriving during a commit into the next transaction", async () => {
    const store = recordingStore(20);
    const committer = new GroupCommitter(store.commitSurveyGroups);
    const first = committer.commit(group());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = Array.from({ length: 30 }, () => committer.commit(group()));
    await Promise.all([first, ...later]);
    assert.deepEqual(store.transactions, [1, 30]);
  });

  it("caps a transaction at maxSurveys but never splits a request's group", async () => {
    const store = recordingStore(1);
    const committer = new GroupCommitter(store.commitSurveyGroups, { maxSurveys: 10 });
    const sizes = [3, 3, 3, 25, 1];
    await Promise.all(sizes.map((n) => committer.commit(group(n))));
    // 3+3+3 fit; the 25-survey batch goes alone (whole), then the last one.
    assert.deepEqual(store.transactions, [3, 1, 1]);
  });

  it("rejects every request when the store keeps failing, and keeps serving later ones", async () => {
    const store = recordingStore(1, (call) => call <= 3);
    const committer = new GroupCommitter(store.commitSurveyGroups);
    const failed = await Promise.allSettled([committer.commit(group()), committer.commit(group())]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ["rejected", "rejected"],
    );
    assert.deepEqual(store.transactions, [2, 1, 1], "the shared transaction, then one per request");
    assert.equal((await committer.commit(group())).status, "committed");
  });

  it("isolates a request the store refuses from the others that shared its transaction", async () => {
    // Transaction 1 (all three) fails; retried alone, only the second request (call 3) fails again.
    const store = recordingStore(1, (call) => call === 1 || call === 3);
    const committer = new GroupCommitter(store.commitSurveyGroups);
    const outcomes = await Promise.allSettled([
      committer.commit(group()),
      committer.commit(group()),
      committer.commit(group()),
    ]);
    assert.deepEqual(
      outcomes.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
  });

  it("drain() resolves only after in-flight and queued commits finished", async () => {
    const store = recordingStore(10);
    const committer = new GroupCommitter(store.commitSurveyGroups);
    let settled = 0;
    for (let i = 0; i < 5; i++) void committer.commit(group()).then(() => settled++);
    await committer.drain();
    assert.equal(settled, 5);
    await committer.drain();
  });

  describe("with concurrency", () => {
    it("starts another transaction while one is in flight, up to the limit, then queues", async () => {
      const store = recordingStore(20);
      const committer = new GroupCommitter(store.commitSurveyGroups, { concurrency: 2 });
      const first = committer.commit(group());
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = Array.from({ length: 10 }, () => committer.commit(group()));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const third = Array.from({ length: 7 }, () => committer.commit(group()));
      await Promise.all([first, ...second, ...third]);
      // 1 and 10 in flight together; the 7 wait for a free slot and then go together.
      assert.deepEqual(store.transactions, [1, 10, 7]);
      assert.equal(store.state.maxInFlight, 2);
    });

    it("never exceeds the limit under a stream of requests", async () => {
      const store = recordingStore(3);
      const committer = new GroupCommitter(store.commitSurveyGroups, { concurrency: 3 });
      const all: Array<Promise<GroupOutcome>> = [];
      for (let i = 0; i < 40; i++) {
        all.push(committer.commit(group()));
        if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const outcomes = await Promise.all(all);
      assert.equal(outcomes.length, 40);
      assert.ok(store.state.maxInFlight <= 3, `max in flight ${store.state.maxInFlight}`);
      assert.ok(store.state.maxInFlight >= 2, "commits overlapped");
      assert.equal(
        store.transactions.reduce((a, b) => a + b, 0),
        40,
        "every request committed exactly once",
      );
    });

    it("rejects only the requests of the failed transaction", async () => {
      const store = recordingStore(10, (call) => call === 1);
      const committer = new GroupCommitter(store.commitSurveyGroups, { concurrency: 2 });
      const failing = committer.commit(group());
      await new Promise((resolve) => setTimeout(resolve, 2));
      const fine = committer.commit(group());
      const results = await Promise.allSettled([failing, fine]);
      assert.deepEqual(
        results.map((r) => r.status),
        ["rejected", "fulfilled"],
      );
    });

    it("drain() waits for every transaction in flight", async () => {
      const store = recordingStore(10);
      const committer = new GroupCommitter(store.commitSurveyGroups, { concurrency: 4 });
      let settled = 0;
      for (let i = 0; i < 3; i++) {
        void committer.commit(group()).then(() => settled++);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      assert.ok(store.state.inFlight > 1);
      await committer.drain();
      assert.equal(settled, 3);
      assert.equal(store.state.inFlight, 0);
    });
  });
});
