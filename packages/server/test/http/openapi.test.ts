/**
 * The API contract: `/openapi.json` is generated from the route declarations of `@aftercall/api`, so
 * this checks the generation against the app as registered — every registered route is documented,
 * every documented route is registered, and every example in the document validates against the schema
 * it illustrates. (Every other HTTP test checks the app's actual answers against the same schemas: see
 * `checkResponsesAgainstDeclarations` in support/test-app.ts.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ROUTES } from "@aftercall/api";
import { Ajv } from "ajv";
import { startTestApp } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;
type Json = Record<string, unknown>;

describe("/openapi.json", () => {
  let t: Ctx;
  let doc: { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
  let registered: ReadonlySet<string>;

  before(async () => {
    t = await startTestApp();
    registered = t.app.routes;
    doc = (await t.app.fastify.inject("/openapi.json")).json();
  });
  after(() => t.close());

  const documented = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );

  it("documents every registered route", () => {
    const missing = [...registered].filter((r) => !documented().includes(r));
    assert.deepEqual(missing, []);
    assert.ok(registered.size >= ROUTES.length, "every declaration is registered");
  });

  it("documents only registered routes", () => {
    const extra = documented().filter((r) => !registered.has(r));
    assert.deepEqual(extra, []);
  });

  it("validates every example against the schema it illustrates", () => {
    const ajv = new Ajv({ strict: false });
    ajv.addSchema({ components: doc.components }, "doc");
    let examples = 0;
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods))
        for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
          const media = (response.content as Record<string, Json> | undefined)?.["application/json"];
          if (!media || media.example === undefined) continue;
          examples++;
          const schema = JSON.parse(
            JSON.stringify(media.schema).replace(/"#\/components/g, '"doc#/components'),
          );
          const valid = ajv.validate(schema, media.example);
          assert.ok(valid, `${method} ${path} ${status}: ${ajv.errorsText()}`);
        }
    assert.ok(examples > 0, "the document carries examples");
  });

  it("names the survey's shapes once, from the schema package's catalogue", () => {
    const submission = doc.components.schemas.SurveySubmission as Json;
    const audio = (submission.properties as Record<string, Json>).audioRating as Json;
    const issues = (audio.properties as Record<string, Json>).issues as { items: { enum: string[] } };
    assert.deepEqual(issues.items.enum.slice(0, 2), ["NoLocalAudio", "NoRemoteAudio"]);
    assert.ok(doc.components.schemas.SurveyRecord && doc.components.schemas.Error);
  });

  it("marks the legacy ?projectId= aliases deprecated, pointing at their project-scoped form", () => {
    const list = doc.paths["/v1/surveys"]?.get as Json;
    assert.equal(list.deprecated, true);
    assert.match(String(list.description), /\/v1\/projects\/\{projectId\}\/surveys/);
    assert.equal(doc.paths["/v1/projects/{projectId}/surveys"]?.get?.deprecated, undefined);
  });
});
