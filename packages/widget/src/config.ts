import type { SurveyClient } from "@aftercall/client";
import { DEFAULT_SURVEY_CONFIG, type SurveyConfig } from "@aftercall/schema";

/**
 * The project's survey configuration, over the defaults. Never rejects, because configuration must not
 * fail the survey: the client already falls back to its cached or the default configuration when the
 * server is unreachable, and a client that throws or rejects anyway (a custom `.client`) gives the
 * defaults.
 */
export function loadSurveyConfig(client: Pick<SurveyClient, "getConfig">): Promise<SurveyConfig> {
  return Promise.resolve()
    .then(() => client.getConfig())
    .then(
      (c) => ({ ...DEFAULT_SURVEY_CONFIG, ...c.config }),
      () => DEFAULT_SURVEY_CONFIG,
    );
}
