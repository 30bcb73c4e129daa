import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestApp } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

/** The widget's dist, as built by `npm run build` (npm test's pretest builds it). */
const dist = dirname(createRequire(import.meta.url).resolve("@aftercall/widget/bundle"));

describe("widget bundle files", () => {
  let t: Ctx;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const get = (file: string) => t.app.fastify.inject({ method: "GET", url: `/widget/${file}` });

  it("serves the core bundle and each language chunk byte for byte, to any origin", async () => {
    for (const file of ["aftercall-widget.js", "aftercall-widget-de.js", "aftercall-widget-ar.js"]) {
      const res = await get(file);
      assert.equal(res.statusCode, 200, file);
      assert.equal(res.headers["content-type"], "text/javascript; charset=utf-8");
      assert.equal(res.headers["access-control-allow-origin"], "*");
      assert.deepEqual(res.rawPayload, await readFile(join(dist, file)), file);
    }
  });

  it("answers 404 NOT_FOUND for any other name, never a file outside the bundle", async () => {
    for (const file of [
      "aftercall-widget-xx.js",
      "index.js",
      "..%2Fpackage.json",
      "aftercall-widget.js.map",
    ]) {
      const res = await get(file);
      assert.equal(res.statusCode, 404, file);
      assert.equal(res.json().code, "NOT_FOUND", file);
    }
  });
});
