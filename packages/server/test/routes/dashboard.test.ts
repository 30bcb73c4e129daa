/**
 * The dashboard route: `/` serves the built single-page app under a strict Content-Security-Policy (JSON
 * service information to clients asking for JSON), `/assets/*` serves its files with the right content
 * types and caching, and a missing build or asset is a clear 404, never a 500. A temporary directory
 * stands in for the build, so these tests do not depend on `npm run build`.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DASHBOARD_CSP } from "../../src/routes/dashboard.js";
import { startTestApp } from "../support/test-app.js";

const HTML = '<!doctype html><script type="module" src="/assets/index-AbCd1234.js"></script>';

describe("dashboard route", () => {
  let dir: string;
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let missing: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aftercall-dashboard-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), HTML);
    await writeFile(join(dir, "assets", "index-AbCd1234.js"), "console.log(1)");
    await writeFile(join(dir, "assets", "index-EfGh5678.css"), "body{}");
    await writeFile(join(dir, "assets", "notes.txt"), "not a served type");
    t = await startTestApp({ dashboardDir: dir });
    missing = await startTestApp({ dashboardDir: join(dir, "does-not-exist") });
  });
  after(async () => {
    await t.close();
    await missing.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves index.html at / with a strict CSP and no caching", async () => {
    const res = await t.app.fastify.inject({ url: "/", headers: { accept: "text/html,*/*" } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(res.body, HTML);
    assert.equal(res.headers["content-security-policy"], DASHBOARD_CSP);
    assert.match(DASHBOARD_CSP, /script-src 'self'(;|$)/);
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval/);
    assert.match(DASHBOARD_CSP, /frame-ancestors 'none'/);
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });

  it("answers JSON service information at / to a client that asks for JSON", async () => {
    const res = await t.app.fastify.inject({ url: "/", headers: { accept: "application/json" } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      name: "Aftercall",
      dashboard: "/",
      docs: "/openapi.json",
      health: "/healthz",
    });
  });

  it("serves hashed assets with their content types, cached for a year as immutable", async () => {
    const js = await t.app.fastify.inject({ url: "/assets/index-AbCd1234.js" });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(js.body, "console.log(1)");
    const css = await t.app.fastify.inject({ url: "/assets/index-EfGh5678.css" });
    assert.equal(css.headers["content-type"], "text/css; charset=utf-8");
  });

  it("answers 404 NOT_FOUND for unknown, unserved or path-escaping asset names", async () => {
    for (const url of [
      "/assets/index-Zzzz9999.js",
      "/assets/notes.txt",
      "/assets/..%2Findex.html",
      "/assets/%2E%2E%2F%2E%2E%2Fpackage.json",
    ]) {
      const res = await t.app.fastify.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, "NOT_FOUND", url);
    }
  });

  it("answers a clear 404 when the dashboard is not built", async () => {
    const res = await missing.app.fastify.inject({ url: "/", headers: { accept: "text/html" } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "NOT_FOUND");
    assert.match(res.json().message, /dashboard is not built; run `npm run build`/);
  });
});
