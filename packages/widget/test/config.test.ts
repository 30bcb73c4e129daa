import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientConfig } from "@aftercall/client";
import { DEFAULT_SURVEY_CONFIG, type SurveyConfig } from "@aftercall/schema";
import { loadSurveyConfig } from "../src/config.js";

// In-memory stand-ins for `SurveyClient.getConfig`: the function under test only reads its result.
const answering = (config: Partial<SurveyConfig>) => ({
  getConfig: async () =>
    ({ config, requireOverallRating: false, source: "server" }) as unknown as ClientConfig,
});

describe("survey configuration of the element", () => {
  it("takes the project's settings over the defaults", async () => {
    const config = await loadSurveyConfig(
      answering({ detailsWhen: "always", categories: ["overall", "video"] }),
    );
    assert.deepEqual(config, {
      ...DEFAULT_SURVEY_CONFIG,
      detailsWhen: "always",
      categories: ["overall", "video"],
    });
    assert.equal(config.allowSuggestions, true, "unset settings keep their default");
  });

  it("falls back to the defaults when the client rejects or throws, so the survey still shows", async () => {
    const rejecting = { getConfig: () => Promise.reject(new Error("offline")) };
    const throwing = {
      getConfig: (): Promise<ClientConfig> => {
        throw new Error("broken custom client");
      },
    };
    assert.deepEqual(await loadSurveyConfig(rejecting), DEFAULT_SURVEY_CONFIG);
    assert.deepEqual(await loadSurveyConfig(throwing), DEFAULT_SURVEY_CONFIG);
  });
});
