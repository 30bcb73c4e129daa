import type { SurveyStorage } from "./types.js";

/**
 * A {@link SurveyStorage} in memory: nothing survives a page reload or process restart. The default
 * where `localStorage` is unavailable (Node, some private modes); handy in tests.
 */
export function memoryStorage(): SurveyStorage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

/** `localStorage` when the page may use it (reading it throws in some sandboxes), else memory. */
export function defaultStorage(): SurveyStorage {
  try {
    if (globalThis.localStorage) return globalThis.localStorage;
  } catch {}
  return memoryStorage();
}

/** Read a JSON value; `undefined` when missing, unreadable or not JSON. */
export async function readJson<T>(storage: SurveyStorage, key: string): Promise<T | undefined> {
  try {
    return JSON.parse((await storage.getItem(key)) ?? "null") ?? undefined;
  } catch {}
}

/** Write a JSON value; resolves false when storage is full or broken (the caller keeps it in memory). */
export async function writeJson(storage: SurveyStorage, key: string, value: unknown): Promise<boolean> {
  try {
    await storage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}
