import { DEFAULT_SURVEY_CONFIG, type SurveyConfig } from "@aftercall/schema";
import { readJson, writeJson } from "./storage.js";
import type { Transport } from "./transport.js";
import type { ClientConfig, SurveyStorage } from "./types.js";

/** How long a configuration fetched from the server is used before asking again. */
const FRESH_MS = 300_000;

/** The project's remote configuration: from the server, else the last one stored, else the defaults. */
export interface ConfigSource {
  get(): Promise<ClientConfig>;
  /** The last configuration read from the server or the cache, without any I/O. */
  known(): ClientConfig | undefined;
}

type Answer = { requireOverallRating?: unknown; config?: Record<string, unknown> } | undefined;

/** A fresh, mutable copy of a configuration (the defaults' nested objects must not be shared). */
const copy = (config: object): SurveyConfig => JSON.parse(JSON.stringify(config));

/**
 * Accept a `GET /v1/config` answer (or a cached copy): its configuration over the defaults, with only the
 * known fields. The server validated the configuration before storing it (`validateSurveyConfig`), so
 * this is a defensive type guard against a corrupt cache or a foreign server: every field must have
 * the type of its default, or the whole answer is refused.
 */
function accept(answer: Answer, source: ClientConfig["source"]): ClientConfig | undefined {
  const served = answer?.config;
  if (typeof answer?.requireOverallRating !== "boolean" || typeof served !== "object" || !served) return;
  const config: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(DEFAULT_SURVEY_CONFIG)) {
    const value = served[key] ?? fallback;
    if (typeof value !== typeof fallback || Array.isArray(value) !== Array.isArray(fallback)) return;
    config[key] = value;
  }
  return {
    config: copy(config),
    requireOverallRating: answer.requireOverallRating,
    source,
  };
}

export function createConfigSource(transport: Transport, storage: SurveyStorage, key: string): ConfigSource {
  let known: ClientConfig | undefined;
  /** When the server last answered; set only with `known`, so a fresh `fetchedAt` means `known` is its answer. */
  let fetchedAt = -FRESH_MS;
  let loading: Promise<ClientConfig> | undefined;

  const load = async (): Promise<ClientConfig> => {
    const served = accept((await transport.get("/v1/config")) as Answer, "server");
    if (served) {
      // Both before any await, so no caller ever sees a fresh `fetchedAt` with an older `known`.
      known = served;
      fetchedAt = Date.now();
      await writeJson(storage, key, served);
      return served;
    }
    known = accept(await readJson(storage, key), "cache") ?? (known && { ...known, source: "cache" });
    return known ?? { config: copy(DEFAULT_SURVEY_CONFIG), requireOverallRating: true, source: "default" };
  };

  return {
    get() {
      if (Date.now() - fetchedAt < FRESH_MS) return Promise.resolve(known as ClientConfig);
      // Concurrent callers share one request.
      loading ??= load().finally(() => {
        loading = undefined;
      });
      return loading;
    },
    known: () => known,
  };
}
