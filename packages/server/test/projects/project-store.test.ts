/**
 * Projects, API keys and survey configurations as stored, on every engine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_DATA_POLICY } from "@aftercall/api";
import { DEFAULT_SURVEY_CONFIG } from "@aftercall/schema";
import {
  findApiKeyByHash,
  getProject,
  insertApiKey,
  insertProject,
  listApiKeys,
  listProjects,
  revokeApiKey,
  updateSurveyConfig,
} from "../../src/projects/project-store.js";
import { onEveryEngine } from "../support/engines.js";
import { byId, freshDatabases, project } from "../support/storage-fixtures.js";

onEveryEngine("projects", (engine, makeDatabase) => {
  describe(`${engine}: projects, keys and survey configuration`, () => {
    const open = freshDatabases(makeDatabase);

    describe("projects", () => {
      it("creates, gets and lists projects", async () => {
        const db = await open();
        const before = Date.now();
        const a = await insertProject(db, project("a", { allowedOrigins: ["https://app.example.com"] }));
        const b = await insertProject(
          db,
          project("b", { name: "Bee", requireOverallRating: false, resourceId: "/custom/resource" }),
        );
        assert.deepEqual(a, {
          ...project("a", { allowedOrigins: ["https://app.example.com"] }),
          surveyConfig: DEFAULT_SURVEY_CONFIG,
          dataPolicy: DEFAULT_DATA_POLICY,
          limits: {},
          createdAt: a.createdAt,
        });
        assert.ok(Date.parse(a.createdAt) >= before - 1 && Date.parse(a.createdAt) <= Date.now() + 1);
        assert.deepEqual(await getProject(db, "a"), a);
        assert.deepEqual(await getProject(db, "b"), b);
        assert.equal(await getProject(db, "nope"), undefined);
        assert.deepEqual(await listProjects(db), [a, b]);
      });

      it("refuses a second project with the same id", async () => {
        const db = await open("a");
        await assert.rejects(insertProject(db, project("a", { name: "again" })));
        assert.equal((await getProject(db, "a"))?.name, "Project a");
      });
    });

    describe("api keys", () => {
      it("creates, lists, finds by hash and revokes keys", async () => {
        const db = await open("a", "b");
        const ingest = await insertApiKey(db, {
          id: "key-ingest",
          projectId: "a",
          kind: "ingest",
          label: "web widget",
          prefix: "ac_pub_12",
          tokenHash: "hash-ingest",
          token: "ac_pub_1234567890",
        });
        const admin = await insertApiKey(db, {
          id: "key-admin",
          projectId: "a",
          kind: "admin",
          label: "ops",
          prefix: "ac_sec_98",
          tokenHash: "hash-admin",
        });
        const other = await insertApiKey(db, {
          id: "key-other",
          projectId: "b",
          kind: "ingest",
          label: "",
          prefix: "ac_pub_55",
          tokenHash: "hash-other",
          token: "ac_pub_5555",
        });

        assert.equal(ingest.token, "ac_pub_1234567890", "ingest keys are public and keep their token");
        assert.deepEqual(ingest, {
          id: "key-ingest",
          projectId: "a",
          kind: "ingest",
          label: "web widget",
          prefix: "ac_pub_12",
          token: "ac_pub_1234567890",
          createdAt: ingest.createdAt,
        });
        assert.equal("token" in admin, false, "admin tokens are never returned");
        assert.equal("revokedAt" in admin, false);

        const listed = await listApiKeys(db, "a");
        assert.deepEqual(
          [...listed].sort((x, y) => byId(x.id, y.id)),
          [admin, ingest],
        );
        assert.ok(
          listed.every((k) => k.kind === "ingest" || !("token" in k)),
          "no admin secret in lists",
        );
        assert.deepEqual(await listApiKeys(db, "b"), [other]);
        assert.deepEqual(await listApiKeys(db, "nope"), []);

        assert.deepEqual(await findApiKeyByHash(db, "hash-ingest"), ingest);
        const foundAdmin = await findApiKeyByHash(db, "hash-admin");
        assert.deepEqual(foundAdmin, admin);
        assert.equal(foundAdmin && "token" in foundAdmin, false);
        assert.equal(await findApiKeyByHash(db, "ac_pub_1234567890"), undefined, "found by hash, not token");
        assert.equal(await findApiKeyByHash(db, "nope"), undefined);

        assert.equal(
          await revokeApiKey(db, "b", "key-ingest"),
          false,
          "keys are revoked within their project",
        );
        assert.ok(await findApiKeyByHash(db, "hash-ingest"));
        assert.equal(await revokeApiKey(db, "a", "key-ingest"), true);
        assert.equal(await revokeApiKey(db, "a", "key-ingest"), false, "already revoked");
        assert.equal(await revokeApiKey(db, "a", "missing"), false);
        assert.equal(
          await findApiKeyByHash(db, "hash-ingest"),
          undefined,
          "a revoked key no longer authenticates",
        );
        assert.deepEqual(await findApiKeyByHash(db, "hash-admin"), admin, "other keys are unaffected");

        const revoked = (await listApiKeys(db, "a")).find((k) => k.id === "key-ingest");
        assert.ok(revoked?.revokedAt, "revoked keys stay listed with revokedAt");
        assert.ok(Date.parse(revoked.revokedAt) >= Date.parse(ingest.createdAt));
        assert.deepEqual({ ...revoked, revokedAt: undefined }, { ...ingest, revokedAt: undefined });
      });

      it("refuses a second key with the same token hash", async () => {
        const db = await open("a");
        const key = {
          id: "k1",
          projectId: "a",
          kind: "admin" as const,
          label: "",
          prefix: "p",
          tokenHash: "same",
        };
        await insertApiKey(db, key);
        await assert.rejects(insertApiKey(db, { ...key, id: "k2" }));
      });
    });

    describe("survey configuration", () => {
      it("starts with the defaults and stores a replacement", async () => {
        const db = await open("a", "b");
        assert.deepEqual((await getProject(db, "a"))?.surveyConfig, DEFAULT_SURVEY_CONFIG);
        const config = {
          ...DEFAULT_SURVEY_CONFIG,
          sampleRate: 0.1,
          scales: { audio: { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 } },
        };
        assert.equal(await updateSurveyConfig(db, "a", config), true);
        assert.deepEqual((await getProject(db, "a"))?.surveyConfig, config);
        assert.deepEqual((await getProject(db, "b"))?.surveyConfig, DEFAULT_SURVEY_CONFIG);
        assert.equal(await updateSurveyConfig(db, "nope", config), false);
      });
    });
  });
});
