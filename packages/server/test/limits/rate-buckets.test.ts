/**
 * Token buckets in the store, on both engines, with a few milliseconds added to every store call (as a
 * loaded PostgreSQL has them): concurrent takers of mixed sizes are never refused while the bucket holds
 * plenty (a refusal there answered QUOTA_EXCEEDED with a Retry-After until midnight), and an exhausted
 * quota is refused with the time until it renews; a bucket in use leases its next tokens before it runs
 * out, so its requests do not wait for the store.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RateBuckets } from "../../src/limits/rate-buckets.js";
import type { Database } from "../../src/store/database.js";
import { onEveryEngine } from "../support/engines.js";

/** The same store, each query answered `ms` later. */
function slowed(db: Database, ms: number): Database {
  return new Proxy(db, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name !== "all" && name !== "run") return value;
      return async (...args: unknown[]) => {
        await sleep(ms);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** The same store, its answers held back while the gate is closed. */
function gated(db: Database) {
  let open = true;
  let opened: Promise<void> = Promise.resolve();
  let release = () => {};
  const store = new Proxy(db, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name !== "all" && name !== "run") return value;
      return async (...args: unknown[]) => {
        while (!open) await opened;
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return {
    store,
    close() {
      open = false;
      opened = new Promise((resolve) => {
        release = resolve;
      });
    },
    open() {
      open = true;
      release();
    },
  };
}

/** Whether `promise` settles within a few turns of the event loop (no store answer can arrive meanwhile). */
async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  const late = Symbol("late");
  const first = await Promise.race([promise, sleep(20).then(() => late)]);
  return first !== late;
}

onEveryEngine("rate_buckets", (engine, makeDatabase) => {
  describe(`rate buckets (${engine})`, () => {
    let env: Awaited<ReturnType<typeof makeDatabase>>;
    before(async () => {
      env = await makeDatabase();
    });
    after(() => env?.cleanup());

    it("never refuses concurrent takers of mixed sizes while the bucket holds plenty", async () => {
      const buckets = new RateBuckets(slowed(env.db, 5));
      const quota = { capacity: 5_000_000, perSecond: 0, renewsInSeconds: 3600 };
      const refusals: number[] = [];
      let taken = 0;
      await Promise.all(
        Array.from({ length: 20 }, async (_, taker) => {
          for (let i = 0; i < 40; i++) {
            const cost = (taker + i) % 10 === 0 ? 99 : 1;
            const take = await buckets.take("q:mixed", quota, cost);
            if (take.ok) taken += cost;
            else refusals.push(take.retryAfterSeconds);
          }
        }),
      );
      assert.deepEqual(refusals, [], `refused ${refusals.length} takes of a bucket that had room`);
      const [row] = await env.db.all<{ tokens: number }>(
        "SELECT tokens FROM rate_buckets WHERE bucket = 'q:mixed'",
      );
      // What the store gave out covers what was spent (leases may hold a little more, never less).
      assert.ok(quota.capacity - Number(row?.tokens) >= taken);
    });

    it("leases again, rather than refusing, when tokens were spent while a lease was in flight", async () => {
      const buckets = new RateBuckets(slowed(env.db, 20));
      const quota = { capacity: 1_000_000, perSecond: 0, renewsInSeconds: 3600 };
      assert.deepEqual(await buckets.take("q:race", quota, 50), { ok: true }); // 50 leased tokens left
      // Two large takes wait for one lease, asked for what they lack beyond the 50 local tokens...
      const large = [buckets.take("q:race", quota, 99), buckets.take("q:race", quota, 99)];
      await sleep(5);
      // ...which small takes spend while the store answers.
      const small = Array.from({ length: 50 }, () => buckets.take("q:race", quota, 1));
      const answers = await Promise.all([...large, ...small]);
      assert.deepEqual(
        answers.filter((a) => !a.ok),
        [],
      );
    });

    it("leases a bucket's next tokens before it runs out, so steady takers never wait for the store", async () => {
      const gate = gated(env.db);
      const buckets = new RateBuckets(gate.store);
      // 400 a second: leases of 100 tokens.
      const rate = { capacity: 10_000, perSecond: 400 };
      assert.deepEqual(await buckets.take("r:steady", rate), { ok: true });
      gate.close();
      // The rest of the first lease is spent with the store holding every answer back...
      for (let i = 0; i < 99; i++)
        assert.ok(await settlesAtOnce(buckets.take("r:steady", rate)), `take ${i}`);
      // ...while the next lease, asked for once half was spent, waits for it. The store answers it:
      gate.open();
      await sleep(50);
      gate.close();
      // ...so the next takes are served at once again, without a store answer.
      for (let i = 0; i < 60; i++)
        assert.ok(await settlesAtOnce(buckets.take("r:steady", rate)), `take ${99 + i} after the lease`);
      gate.open();
    });

    it("refuses an exhausted quota with the time until it renews", async () => {
      const buckets = new RateBuckets(slowed(env.db, 5));
      const quota = { capacity: 50, perSecond: 0, renewsInSeconds: 7200 };
      let granted = 0;
      const refusals: number[] = [];
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          for (let i = 0; i < 20; i++) {
            const take = await buckets.take("q:small", quota, 1);
            if (take.ok) granted++;
            else refusals.push(take.retryAfterSeconds);
          }
        }),
      );
      assert.equal(granted, 50);
      assert.equal(refusals.length, 50);
      assert.ok(refusals.every((s) => s === 7200));
    });
  });
});
