import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SURVEY_CONFIG } from "@aftercall/schema";
import { createSurveyClient, memoryStorage } from "../src/index.js";
import { call, fakeFetch, json, options } from "./support.js";

const served = { ...DEFAULT_SURVEY_CONFIG, sampleRate: 0.5, categories: ["overall", "audio"] };

describe("remote configuration", () => {
  it("reads the project's configuration with the key, and caches it in memory", async () => {
    const net = fakeFetch(() =>
      json(200, { projectId: "demo", requireOverallRating: false, config: served }),
    );
    const client = createSurveyClient(options(net.fetch));
    assert.deepEqual(await client.getConfig(), {
      config: served,
      requireOverallRating: false,
      source: "server",
    });
    await Promise.all([client.getConfig(), client.shouldAsk(call)]);
    assert.equal(net.calls.length, 1);
    assert.equal(net.calls[0]?.url, "https://surveys.example.com/v1/config");
    assert.equal(net.calls[0]?.headers.authorization, "Bearer ac_pk_test");
  });

  it("shares one request among concurrent callers", async () => {
    const net = fakeFetch(() => json(200, { projectId: "demo", requireOverallRating: true, config: served }));
    const client = createSurveyClient(options(net.fetch));
    await Promise.all([client.getConfig(), client.getConfig(), client.shouldAsk(call)]);
    assert.equal(net.calls.length, 1);
  });

  it("falls back to the stored configuration, then to the defaults", async () => {
    const storage = memoryStorage();
    const up = fakeFetch(() => json(200, { projectId: "demo", requireOverallRating: false, config: served }));
    await createSurveyClient(options(up.fetch, storage)).getConfig();

    for (const failure of [
      () => "network-error" as const,
      () => json(503, {}),
      () => json(200, { config: { sampleRate: 7 } }),
    ]) {
      const down = createSurveyClient(options(fakeFetch(failure).fetch, storage));
      assert.deepEqual(await down.getConfig(), {
        config: served,
        requireOverallRating: false,
        source: "cache",
      });
    }
    const fresh = createSurveyClient(options(fakeFetch(() => "network-error").fetch));
    const defaults = await fresh.getConfig();
    assert.deepEqual(defaults, {
      config: DEFAULT_SURVEY_CONFIG,
      requireOverallRating: true,
      source: "default",
    });
    assert.equal(Object.isFrozen(defaults.config), false, "a copy the app may change");
  });

  it("ignores a corrupt cache", async () => {
    const storage = memoryStorage();
    await storage.setItem("aftercall:ac_pk_test:config", "{not json");
    const client = createSurveyClient(options(fakeFetch(() => "network-error").fetch, storage));
    assert.equal((await client.getConfig()).source, "default");
  });

  it("asks for the project's overall-rating rule before refusing a survey without overallRating", async () => {
    const project = (requireOverallRating: boolean) =>
      fakeFetch((c) =>
        c.url.endsWith("/v1/config")
          ? json(200, { projectId: "demo", requireOverallRating, config: served })
          : json(201, {}),
      );
    const lenient = project(false);
    const sent = await createSurveyClient(options(lenient.fetch))
      .forCall(call)
      .send({ audioRating: { score: 2 } });
    assert.equal(sent.ok && sent.status, "delivered");
    const strict = project(true);
    const refused = await createSurveyClient(options(strict.fetch))
      .forCall(call)
      .send({ audioRating: { score: 2 } });
    assert.equal(!refused.ok && refused.error.errors?.[0]?.code, "OVERALL_RATING_REQUIRED");
    assert.deepEqual(
      strict.calls.map((c) => new URL(c.url).pathname),
      ["/v1/config"],
      "a refused survey never leaves the device",
    );
  });
});
