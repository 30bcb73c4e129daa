import { validateSurveyConfig } from "@aftercall/schema";
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

type Answer = { requireOverallRating?: unknown; config?: unknown } | undefined;

/** Check a `GET /v1/config` answer (or a cached copy) with the schema's own configuration validator. */
function accept(answer: Answer, source: ClientConfig["source"]): ClientConfig | undefined {
  const checked = validateSurveyConfig(answer?.config);
  if (checked.ok && typeof answer?.requireOverallRating === "boolean")
    return { config: checked.value, requireOverallRating: answer.requireOverallRating, source };
}

export function createConfigSource(transport: Transport, storage: SurveyStorage, key: string): ConfigSource {
  let known: ClientConfig | undefined;
  let fetchedAt = -FRESH_MS;
  let loading: Promise<ClientConfig> | undefined;

  const load = async (): Promise<ClientConfig> => {
    const served = accept((await transport.get("/v1/config")) as Answer, "server");
    if (served) {
      fetchedAt = Date.now();
      await writeJson(storage, key, served);
      known = served;
      return served;
    }
    known = accept(await readJson(storage, key), "cache") ?? (known && { ...known, source: "cache" });
    const defaults = validateSurveyConfig({}) as { value: ClientConfig["config"] };
    return known ?? { config: defaults.value, requireOverallRating: true, source: "default" };
  };

  return {
    get() {
      if (known?.source === "server" && Date.now() - fetchedAt < FRESH_MS) return Promise.resolve(known);
      // Concurrent callers share one request.
      loading ??= load().finally(() => {
        loading = undefined;
      });
      return loading;
    },
    known: () => known,
  };
}
