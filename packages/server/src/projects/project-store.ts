import type { DataPolicy, ProjectLimits } from "@aftercall/api";
import type { SurveyConfig } from "@aftercall/schema";
import type { Database, SqlRow } from "../store/database.js";
import type { ApiKey, NewApiKey, NewProject, Project } from "./project.js";
import { completeProject, keyFromRow, projectFromRow, publicToken } from "./project-rows.js";

/**
 * Projects, their API keys and their survey configuration: the queries, written once for both engines.
 *
 * @module
 */

export async function insertProject(db: Database, input: NewProject): Promise<Project> {
  const project = completeProject(input, Date.now());
  await db.run(
    "INSERT INTO projects (id, name, allowed_origins, require_overall_rating, resource_id, survey_config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [
      project.id,
      project.name,
      JSON.stringify(project.allowedOrigins),
      project.requireOverallRating ? 1 : 0,
      project.resourceId,
      JSON.stringify(project.surveyConfig),
      Date.parse(project.createdAt),
    ],
  );
  return project;
}

export async function getProject(db: Database, id: string): Promise<Project | undefined> {
  const [row] = await db.all("SELECT * FROM projects WHERE id = ?", [id]);
  return row ? projectFromRow(row) : undefined;
}

export async function listProjects(db: Database): Promise<Project[]> {
  return (await db.all("SELECT * FROM projects ORDER BY created_at, id")).map(projectFromRow);
}

/** Replace a project's survey configuration; false when the project does not exist. */
export async function updateSurveyConfig(
  db: Database,
  projectId: string,
  config: SurveyConfig,
): Promise<boolean> {
  return (
    (await db.run("UPDATE projects SET survey_config = ? WHERE id = ?", [
      JSON.stringify(config),
      projectId,
    ])) === 1
  );
}

/** Replace a project's data policy (checked by `lifecycle/data-policy.ts`); false when it does not exist. */
export async function updateDataPolicy(
  db: Database,
  projectId: string,
  policy: DataPolicy,
): Promise<boolean> {
  return (
    (await db.run("UPDATE projects SET data_policy = ? WHERE id = ?", [
      JSON.stringify(policy),
      projectId,
    ])) === 1
  );
}

/** Replace a project's limit overrides (checked by `limits/project-limits.ts`); false when it does not exist. */
export async function updateProjectLimits(
  db: Database,
  projectId: string,
  limits: ProjectLimits,
): Promise<boolean> {
  return (
    (await db.run("UPDATE projects SET limits = ? WHERE id = ?", [JSON.stringify(limits), projectId])) === 1
  );
}

export async function insertApiKey(db: Database, key: NewApiKey): Promise<ApiKey> {
  const createdAt = Date.now();
  await db.run(
    "INSERT INTO api_keys (id, project_id, kind, label, prefix, token_hash, token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [key.id, key.projectId, key.kind, key.label, key.prefix, key.tokenHash, publicToken(key), createdAt],
  );
  return keyFromRow({
    ...key,
    project_id: key.projectId,
    token: publicToken(key),
    created_at: createdAt,
    revoked_at: null,
  });
}

export async function listApiKeys(db: Database, projectId: string): Promise<ApiKey[]> {
  const rows = await db.all<SqlRow>("SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at, id", [
    projectId,
  ]);
  return rows.map(keyFromRow);
}

/** Returns false when no such active key exists in the project. */
export async function revokeApiKey(db: Database, projectId: string, keyId: string): Promise<boolean> {
  const changed = await db.run(
    "UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL",
    [Date.now(), projectId, keyId],
  );
  return changed === 1;
}

/** The active key with this token hash, if any. */
export async function findApiKeyByHash(db: Database, tokenHash: string): Promise<ApiKey | undefined> {
  const [row] = await db.all("SELECT * FROM api_keys WHERE token_hash = ? AND revoked_at IS NULL", [
    tokenHash,
  ]);
  return row ? keyFromRow(row) : undefined;
}
