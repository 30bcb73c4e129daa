import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { measureClientSize, measureEntryPoints } from "../scripts/size.mjs";
import * as sdk from "../src/index.js";
import { createSurveyClient, SDK_VERSION, type SurveyStorage } from "../src/index.js";
import { call, fakeFetch, json, options, waitFor } from "./support.js";

describe("package", () => {
  it("exports exactly the public API, and sends its own version", async () => {
    assert.deepEqual(Object.keys(sdk).sort(), ["SDK_VERSION", "createSurveyClient", "memoryStorage"]);
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    assert.equal(SDK_VERSION, pkg.version);
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ["@aftercall/schema"]);
  });

  it("refuses a client without endpoint or key, a programmer error", () => {
    assert.throws(() => createSurveyClient({ endpoint: "", projectKey: "k" }), TypeError);
    assert.throws(() => createSurveyClient({ endpoint: "https://x", projectKey: "" }), TypeError);
  });

  it("works with asynchronous storage", async () => {
    const map = new Map<string, string>();
    const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 1));
    const storage: SurveyStorage = {
      getItem: (key) => later(map.get(key) ?? null),
      setItem: async (key, value) => void map.set(key, await later(value)),
      removeItem: async (key) => void map.delete(await later(key)),
    };
    const down = createSurveyClient(
      options(fakeFetch(() => "network-error").fetch, storage, { retry: { attempts: 1 } }),
    );
    const feature = down.forCall(call);
    await Promise.all([
      feature.send({ overallRating: { score: 1 } }),
      feature.send({ overallRating: { score: 2 } }),
    ]);
    await waitFor(async () => (await down.pending()) === 4);
    const net = fakeFetch();
    await createSurveyClient(options(net.fetch, storage)).flush();
    assert.equal(net.surveys().length, 2);
    assert.equal(JSON.parse(map.get("aftercall:ac_pk_test:outbox") ?? "").length, 0);
  });

  it("keeps working in memory when storage throws", async () => {
    const broken: SurveyStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {},
    };
    let up = false;
    const net = fakeFetch((c) => (up || c.url.endsWith("/v1/config") ? json(201, {}) : "network-error"));
    const client = createSurveyClient(options(net.fetch, broken));
    const result = await client.forCall(call).send({ overallRating: { score: 5 } });
    assert.equal(result.ok && result.status, "queued");
    up = true;
    await waitFor(async () => (await client.pending()) === 0);
    assert.deepEqual((await client.shouldAsk(call)).ask, true);
    assert.equal((await client.getConfig()).source, "default");
  });

  it("measures its bundle (min+gzip) with the size script", async () => {
    const size = await measureClientSize();
    assert.ok(size.gzip > 0 && size.gzip < size.min);
    // The survey validator ships whole, the same checks with the same messages as the server, except the
    // formats of the id and clientTime the SDK stamps itself.
    assert.ok(size.parts.schema.imports.includes("validateStampedSurvey"));
  });

  it("ships the ACS feature, the SDK adapters and call quality as optional entry points, their SDKs optional peers", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    const adapters = ["./livekit", "./twilio", "./daily", "./jitsi", "./webrtc"];
    const entries = ["./acs", ...adapters, "./quality", "./quality-aware"];
    assert.deepEqual(Object.keys(pkg.exports), [".", ...entries]);
    for (const peer of Object.keys(pkg.peerDependencies)) {
      assert.equal(pkg.peerDependenciesMeta[peer]?.optional, true, `${peer} is optional`);
      assert.ok(!pkg.dependencies[peer], `${peer} is never a dependency`);
    }
    const measured = await measureEntryPoints();
    assert.deepEqual(
      measured.map((m) => m.entry),
      entries.map((e) => `@aftercall/client${e.slice(1)}`),
    );
    // Each adapter bundles without its SDK (only types are imported from it) and without the base SDK;
    // so do the call-quality entries.
    for (const m of measured.filter((m) => m.entry !== "@aftercall/client/acs"))
      assert.ok(m.min < 4000, m.entry);
  });
});
