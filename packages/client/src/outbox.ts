import type { SurveyEvent, SurveySubmission } from "@aftercall/schema";
import { readJson, writeJson } from "./storage.js";
import type { SurveyStorage } from "./types.js";

/** One thing waiting for delivery: a survey, or a lifecycle event (events travel in batches). */
export type OutboxItem =
  | { kind: "survey"; id: string; body: SurveySubmission }
  | { kind: "event"; id: string; body: SurveyEvent };

/** Everything not yet delivered, persisted so a closed tab or a crash loses nothing. */
export interface Outbox {
  /** Persist items (before their first delivery attempt). */
  add(items: OutboxItem[]): Promise<void>;
  /** Forget items by id: delivered, or refused for good. */
  remove(ids: string[]): Promise<void>;
  /** The persisted items, re-read so other tabs' deliveries count. */
  load(): Promise<OutboxItem[]>;
  /** The last known items, synchronously (a page being closed cannot wait for async storage). */
  snapshot(): OutboxItem[];
}

/**
 * The outbox under one storage key. Changes are serialised, each a fresh read-modify-write, so
 * concurrent adds and removes within a page never overwrite each other.
 */
export function createOutbox(storage: SurveyStorage, key: string): Outbox {
  let items: OutboxItem[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const update = (change: (stored: OutboxItem[]) => OutboxItem[]): Promise<OutboxItem[]> => {
    const next = queue.then(async () => {
      const stored = await readJson<OutboxItem[]>(storage, key);
      // Memory wins only when storage has nothing usable (unavailable or never written).
      items = change(Array.isArray(stored) ? stored.filter((i) => i?.id) : items);
      await writeJson(storage, key, items);
      return items;
    });
    queue = next;
    return next;
  };
  return {
    add: async (added) => void (await update((stored) => [...stored, ...added])),
    remove: async (ids) => void (await update((stored) => stored.filter((i) => !ids.includes(i.id)))),
    load: () => update((stored) => stored),
    snapshot: () => items,
  };
}
