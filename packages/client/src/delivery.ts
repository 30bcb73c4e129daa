import { later, type RetryPolicy, retryDelay } from "./backoff.js";
import type { Outbox, OutboxItem } from "./outbox.js";
import type { Outcome, Transport } from "./transport.js";

/** Most events in one `POST /v1/events` (the server's limit). */
const EVENTS_PER_REQUEST = 100;

/** Moves outbox items to the server: first attempts, background retries, flushes and page-close beacons. */
export interface Delivery {
  /** Persist `item`, then make one attempt at delivering it; a transient failure starts a retry series. */
  submit(item: OutboxItem): Promise<Outcome>;
  /** One attempt at everything queued and not already in flight; resolves when those attempts settled. */
  flush(): Promise<void>;
  /** Start a fresh series of retries (the network came back, a new survey arrived). */
  resetRetries(): void;
  /** Hand everything queued to `navigator.sendBeacon`; items stay queued, as success is unknowable. */
  beacon(): void;
}

/** Group items into requests: one per survey, events in batches. */
function requests(items: OutboxItem[]): [path: string, body: unknown, items: OutboxItem[]][] {
  const events = items.filter((i) => i.kind === "event");
  const out: [string, unknown, OutboxItem[]][] = items
    .filter((i) => i.kind === "survey")
    .map((i) => ["/v1/surveys", i.body, [i]]);
  for (let k = 0; k < events.length; k += EVENTS_PER_REQUEST) {
    const batch = events.slice(k, k + EVENTS_PER_REQUEST);
    out.push(["/v1/events", { events: batch.map((i) => i.body) }, batch]);
  }
  return out;
}

export function createDelivery(transport: Transport, outbox: Outbox, policy: RetryPolicy): Delivery {
  /** Attempts under way, by item id: an item is never sent twice at once by this client. */
  const inFlight = new Map<string, Promise<Outcome>>();
  let round = 0;
  let retryPending = false;

  // Items are marked in flight synchronously, before any await, so a concurrent flush skips them.
  const attempt = (path: string, body: unknown, items: OutboxItem[], persistFirst?: boolean) => {
    const run = (async () => {
      if (persistFirst) await outbox.add(items);
      const outcome = await transport.post(path, body);
      // Delivered, or refused for good (a retry would be refused again): either way it leaves the outbox.
      if (outcome.ok || !outcome.retry) await outbox.remove(items.map((i) => i.id));
      return outcome;
    })().finally(() => {
      for (const i of items) inFlight.delete(i.id);
    });
    for (const i of items) inFlight.set(i.id, run);
    return run;
  };

  // After transient failures, schedule the next attempt at everything, up to `attempts` per series;
  // whatever is still queued after that waits for the next page load, `online` event or flush.
  const settle = (outcomes: Outcome[]) => {
    const failed = outcomes.filter((o) => !o.ok && o.retry);
    if (!failed.length) round = 0;
    else if (!retryPending && round < policy.attempts - 1) {
      retryPending = true;
      const retryAfter = Math.max(0, ...failed.map((o) => (o.ok ? 0 : (o.retryAfterMs ?? 0))));
      later(retryDelay(round++, policy, retryAfter), () => {
        retryPending = false;
        flush().catch(() => {});
      });
    }
  };

  const flush = async () => {
    const items = (await outbox.load()).filter((i) => !inFlight.has(i.id));
    settle(await Promise.all(requests(items).map(([path, body, batch]) => attempt(path, body, batch))));
    await Promise.all(inFlight.values());
  };

  return {
    async submit(item) {
      const [path, body] = requests([item])[0] as [string, unknown, OutboxItem[]];
      const outcome = await attempt(path, body, [item], true);
      if (!retryPending) round = 0;
      settle([outcome]);
      return outcome;
    },
    flush,
    resetRetries: () => {
      round = 0;
    },
    beacon() {
      const items = outbox.snapshot().filter((i) => !inFlight.has(i.id));
      for (const [path, body] of requests(items)) transport.beacon(path, body);
    },
  };
}
