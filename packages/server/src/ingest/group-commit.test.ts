import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GroupOutcome, SurveyGroup } from "../store/store.js";
import { GroupCommitter } from "./group-commit.js";

/** A store stand-in that records each transaction's groups and takes `ms` to "fsync". */
function recordingStore(ms: number, fail?: (call: number) => boolean) {
  const transactions: number[] = [];
  return {
    transactions,
    async commitSurveyGroups(groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> {
      transactions.push(groups.length);
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (fail?.(transactions.length)) throw new Error("disk on fire");
      return groups.map(() => ({ status: "committed", surveys: [] }));
    },
  };
}

const group = (n = 1): SurveyGroup => Array.from({ length: n }, () => ({}) as SurveyGroup[number]);

describe("GroupCommitter", () => {
  it("commits requests that arrive together in one transaction", async () => {
    const store = recordingStore(5);
    const committer = new GroupCommitter(store);
    await Promise.all(Array.from({ length: 100 }, () => committer.commit(group())));
    assert.deepEqual(store.transactions, [100]);
  });

  it("queues requests arriving during a commit into the next transaction", async () => {
    const store = recordingStore(20);
    const committer = new GroupCommitter(store);
    const first = committer.commit(group());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = Array.from({ length: 30 }, () => committer.commit(group()));
    await Promise.all([first, ...later]);
    assert.deepEqual(store.transactions, [1, 30]);
  });

  it("caps a transaction at maxSurveys but never splits a request's group", async () => {
    const store = recordingStore(1);
    const committer = new GroupCommitter(store, { maxSurveys: 10 });
    const sizes = [3, 3, 3, 25, 1];
    await Promise.all(sizes.map((n) => committer.commit(group(n))));
    // 3+3+3 fit; the 25-survey batch goes alone (whole), then the last one.
    assert.deepEqual(store.transactions, [3, 1, 1]);
  });

  it("rejects every request of a failed transaction and keeps serving later ones", async () => {
    const store = recordingStore(1, (call) => call === 1);
    const committer = new GroupCommitter(store);
    const failed = await Promise.allSettled([committer.commit(group()), committer.commit(group())]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ["rejected", "rejected"],
    );
    assert.equal((await committer.commit(group())).status, "committed");
  });

  it("drain() resolves only after in-flight and queued commits finished", async () => {
    const store = recordingStore(10);
    const committer = new GroupCommitter(store);
    let settled = 0;
    for (let i = 0; i < 5; i++) void committer.commit(group()).then(() => settled++);
    await committer.drain();
    assert.equal(settled, 5);
    await committer.drain();
  });
});
