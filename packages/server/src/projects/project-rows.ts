import { type DataPolicy, DEFAULT_DATA_POLICY, type ProjectLimits } from "@aftercall/api";
import { DEFAULT_SURVEY_CONFIG, validateSurveyConfig } from "@aftercall/schema";
import type { ApiKey, ApiKeyKind, NewApiKey, NewProject, Project } from "./project.js";

const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();

/** Map a `projects` row of either engine to a {@link Project}. */
export function projectFromRow(row: Record<string, unknown>): Project {
  return {
    id: String(row.id),
    name: String(row.name),
    allowedOrigins: JSON.parse(String(row.allowed_origins)) as string[],
    requireOverallRating: Number(row.require_overall_rating) === 1,
    resourceId: String(row.resource_id),
    surveyConfig: surveyConfigFromText(row.survey_config),
    dataPolicy: dataPolicyFromText(row.data_policy),
    limits: limitsFromText(row.limits),
    createdAt: iso(row.created_at),
  };
}

/**
 * Stored policies were checked on the way in; the parts a policy leaves out (and a store from before
 * migration 9, which has no column) take the defaults.
 */
export function dataPolicyFromText(text: unknown): DataPolicy {
  const stored = JSON.parse(typeof text === "string" ? text : "{}") as Partial<DataPolicy>;
  return {
    retention: { ...DEFAULT_DATA_POLICY.retention, ...stored.retention },
    redaction: { ...DEFAULT_DATA_POLICY.redaction, ...stored.redaction },
  };
}

/** Stored limits were checked on the way in; a store from before migration 12 has no column: none. */
function limitsFromText(text: unknown): ProjectLimits {
  return JSON.parse(typeof text === "string" ? text : "{}") as ProjectLimits;
}

/** Stored configurations were validated on the way in; anything unreadable falls back to the defaults. */
function surveyConfigFromText(text: unknown): Project["surveyConfig"] {
  try {
    const result = validateSurveyConfig(JSON.parse(String(text ?? "{}")));
    if (result.ok) return result.value;
  } catch {
    // fall through to the defaults
  }
  return structuredClone(DEFAULT_SURVEY_CONFIG) as Project["surveyConfig"];
}

/** Map an `api_keys` row of either engine to an {@link ApiKey}; admin secrets are never in rows. */
export function keyFromRow(row: Record<string, unknown>): ApiKey {
  const key: ApiKey = {
    id: String(row.id),
    projectId: String(row.project_id),
    kind: String(row.kind) as ApiKeyKind,
    label: String(row.label ?? ""),
    prefix: String(row.prefix),
    createdAt: iso(row.created_at),
  };
  if (row.token !== null && row.token !== undefined) key.token = String(row.token);
  if (row.revoked_at !== null && row.revoked_at !== undefined) key.revokedAt = iso(row.revoked_at);
  return key;
}

/** The token to store in clear: only a publishable ingest key's; admin secrets are kept as hashes only. */
export function publicToken(key: NewApiKey): string | null {
  return key.kind === "ingest" ? (key.token ?? null) : null;
}

/** A new project with every field filled in, as it will be stored. */
export function completeProject(project: NewProject, createdAtMs: number): Project {
  return {
    ...project,
    surveyConfig: project.surveyConfig ?? (structuredClone(DEFAULT_SURVEY_CONFIG) as Project["surveyConfig"]),
    dataPolicy: structuredClone(DEFAULT_DATA_POLICY),
    limits: {},
    createdAt: new Date(createdAtMs).toISOString(),
  };
}
