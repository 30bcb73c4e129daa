import type { ApiKey, ApiKeyKind, NewApiKey, Project } from "./store.js";

const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();

/** Map a `projects` row of either engine to a {@link Project}. */
export function projectFromRow(row: Record<string, unknown>): Project {
  return {
    id: String(row.id),
    name: String(row.name),
    allowedOrigins: JSON.parse(String(row.allowed_origins)) as string[],
    requireOverallRating: Number(row.require_overall_rating) === 1,
    resourceId: String(row.resource_id),
    createdAt: iso(row.created_at),
  };
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
