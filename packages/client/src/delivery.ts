import type { SurveyEvent, SurveySubmission } from "@aftercall/schema";
import { readJson, writeJson } from "./storage.js";
import type { Outcome, Transport } from "./transport.js";
import type { SurveyStorage } from "./types.js";

/** One thing waiting for delivery: a survey, or a lifecycle event (events travel in batches). */
export type OutboxItem =
  | { kind: "survey"; id: string; body: SurveySubmission }
  | { kind: "event"; id: string; body: SurveyEvent };

/** Retry policy with every default filled in. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Defaults documented on `SurveyClientOptions.retry`. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Most events in one `POST /v1/events` (the server's limit). */
const EVENTS_PER_REQUEST = 100;

/**
 * Reliable delivery: the outbox (everything not yet delivered, persisted so a closed tab or a crash loses
 * nothing) and its way to the server: first attempts, background retries, flushes and page-close beacons.
 */
export interface Delivery {
  /**
   * Persist `item`, then make one attempt at delivering it; a transient failure starts a retry series.
   * With `queue` false the item is never persisted: one attempt, and a failure is final.
   */
  submit(item: OutboxItem, queue?: boolean): Promise<Outcome>;
  /** One attempt at everything queued and not already in flight; resolves when those attempts settled. */
  flush(): Promise<void>;
  /** Start a fresh series of retries (the network came back, a new survey arrived). */
  resetRetries(): void;
  /** Hand everything queued to `navigator.sendBeacon`; items stay queued, as success is unknowable. */
  beacon(): void;
  /** How many items are queued, re-read so other tabs' deliveries count. */
  pending(): Promise<number>;
}

/** One request: where it goes, its body, and the outbox items it carries. */
type Request = [path: string, body: unknown, items: OutboxItem[]];

/** Group items into requests: one per survey, events in batches. */
function requests(items: OutboxItem[]): Request[] {
  const events = items.filter((i) => i.kind === "event");
  const out = items.filter((i) => i.kind === "survey").map((i): Request => ["/v1/surveys", i.body, [i]]);
  for (let k = 0; k < events.length; k += EVENTS_PER_REQUEST) {
    const batch = events.slice(k, k + EVENTS_PER_REQUEST);
    out.push(["/v1/events", { events: batch.map((i) => i.body) }, batch]);
  }
  return out;
}

/** Serialised outbox changes per storage key, shared by every client in this page or process. */
const chains = new Map<string, Promise<unknown>>();

/** Delivery through `transport` of the outbox stored under `key`. */
export function createDelivery(
  transport: Transport,
  storage: SurveyStorage,
  key: string,
  policy: RetryPolicy,
): Delivery {
  /** The last known outbox, for the page-close beacon (a closing page cannot wait for async storage). */
  let items: OutboxItem[] = [];
  let storageWorks = true;
  /** Attempts under way, by item id: an item is never sent twice at once by this client. */
  const inFlight = new Map<string, Promise<Outcome>>();
  let round = 0;
  let retryPending = false;

  /**
   * Apply `change` to the stored outbox and store the result. Changes are serialised, each a fresh
   * read-modify-write, so concurrent adds and removes never overwrite each other and other tabs'
   * deliveries count. Without `change`, this just reads.
   */
  const update = (change = (stored: OutboxItem[]) => stored): Promise<OutboxItem[]> => {
    // Clients of one project on one page share the outbox key: their changes queue on one chain.
    const next = (chains.get(key) ?? Promise.resolve()).then(async () => {
      const stored = storageWorks ? await readJson<OutboxItem[]>(storage, key) : undefined;
      // Memory wins when storage has nothing usable (unavailable, never written, or refusing writes).
      items = change(Array.isArray(stored) ? stored.filter((i) => i?.id) : items);
      // A full or broken storage must not make a later read drop what only memory holds.
      storageWorks = (await writeJson(storage, key, items)) && storageWorks;
      return items;
    });
    chains.set(
      key,
      next.catch(() => {}),
    );
    return next;
  };

  /** The requests for those of `queued` not already in flight. */
  const idle = (queued: OutboxItem[]) => requests(queued.filter((i) => !inFlight.has(i.id)));

  // Items are marked in flight synchronously, before any await, so a concurrent flush skips them.
  const attempt = ([path, body, sent]: Request, persistFirst?: boolean) => {
    const ids = sent.map((i) => i.id);
    const run = (async () => {
      if (persistFirst) await update((stored) => [...stored, ...sent]);
      const outcome = await transport.post(path, body);
      // Delivered, or refused for good (a retry would be refused again): either way it leaves the outbox.
      if (outcome.ok || !outcome.retry) await update((stored) => stored.filter((i) => !ids.includes(i.id)));
      return outcome;
    })().finally(() => {
      for (const id of ids) inFlight.delete(id);
    });
    for (const id of ids) inFlight.set(id, run);
    return run;
  };

  // After transient failures, schedule the next attempt at everything, up to `attempts` per series;
  // whatever is still queued after that waits for the next page load, `online` event or flush.
  const settle = (outcomes: Outcome[]) => {
    const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok && o.retry);
    if (!failed.length) round = 0;
    else if (!retryPending && round < policy.attempts - 1) {
      retryPending = true;
      // Exponential backoff with full jitter, so clients that failed together do not come back
      // together; a server's Retry-After is a floor.
      const retryAfter = Math.max(...failed.map((o) => o.retryAfterMs ?? 0));
      const backoff = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** round++);
      // `Object()` exposes `unref` on Node timers: a pending retry does not keep a process alive.
      Object(
        setTimeout(
          () => {
            retryPending = false;
            flush().catch(() => {});
          },
          Math.max(retryAfter, backoff),
        ),
      ).unref?.();
    }
  };

  const flush = async () => {
    settle(await Promise.all(idle(await update()).map((request) => attempt(request))));
    await Promise.all(inFlight.values());
  };

  return {
    async submit(item, queue = true) {
      const outcome = await attempt(requests([item])[0] as Request, queue);
      if (!retryPending) round = 0;
      settle([outcome]);
      return outcome;
    },
    flush,
    resetRetries: () => {
      round = 0;
    },
    beacon() {
      for (const [path, body] of idle(items)) transport.beacon(path, body);
    },
    pending: async () => (await update()).length,
  };
}
