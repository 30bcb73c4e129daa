import { DEFAULT_SURVEY_CONFIG, defaultResourceId, type SurveyConfig } from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import type { Database } from "../store/database.js";
import type { ApiKey, ApiKeyKind, Project } from "./project.js";
import { getProject, insertApiKey, insertProject } from "./project-store.js";
import { generateToken, hashToken, newId, tokenPrefix } from "./tokens.js";

/** Project ids: lowercase letters, digits and dashes, 2–63 characters, starting with a letter or digit. */
export const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface CreateProjectInput {
  id?: string;
  name: string;
  allowedOrigins?: string[];
  requireOverallRating?: boolean;
  resourceId?: string;
  surveyConfig?: SurveyConfig;
}

/** A key just created; `token` is shown this once for admin tokens. */
export interface IssuedKey extends ApiKey {
  token: string;
}

/** Issue a key of `kind` for a project. Admin tokens are stored only as hashes. */
export async function issueKey(
  db: Database,
  projectId: string,
  kind: ApiKeyKind,
  label = "",
): Promise<IssuedKey> {
  const token = generateToken(kind);
  const key = await insertApiKey(db, {
    id: newId("key"),
    projectId,
    kind,
    label,
    prefix: tokenPrefix(token),
    tokenHash: hashToken(token),
    ...(kind === "ingest" ? { token } : {}),
  });
  return { ...key, token };
}

/** Create a project with one ingest key and one admin token. */
export async function createProject(
  db: Database,
  input: CreateProjectInput,
): Promise<{ project: Project; ingestKey: IssuedKey; adminToken: IssuedKey }> {
  const id = input.id ?? slugify(input.name);
  if (!PROJECT_ID_PATTERN.test(id))
    invalid("id", `Project id "${id}" must be 2–63 lowercase letters, digits or dashes.`);
  if (input.name.trim() === "" || input.name.length > 200)
    invalid("name", "Project name must be 1–200 characters.");
  (input.allowedOrigins ?? []).forEach((origin, i) => {
    if (!isOrigin(origin))
      invalid(
        `allowedOrigins[${i}]`,
        `allowedOrigins: "${origin}" is not an origin like https://app.example.com.`,
      );
  });
  if (await getProject(db, id)) throw new AftercallError("PROJECT_EXISTS", `Project "${id}" already exists.`);
  const project = await insertProject(db, {
    id,
    name: input.name.trim(),
    allowedOrigins: input.allowedOrigins ?? [],
    requireOverallRating: input.requireOverallRating ?? true,
    resourceId: input.resourceId ?? defaultResourceId(id),
    surveyConfig: input.surveyConfig ?? (structuredClone(DEFAULT_SURVEY_CONFIG) as SurveyConfig),
  });
  const ingestKey = await issueKey(db, id, "ingest", "default");
  const adminToken = await issueKey(db, id, "admin", "default");
  return { project, ingestKey, adminToken };
}

/** A project to create broke a rule: `VALIDATION_FAILED` naming the field, as for any other body. */
function invalid(path: string, message: string): never {
  throw new AftercallError("VALIDATION_FAILED", message, [{ code: "INVALID_FORMAT", path, message }]);
}

function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return slug.length >= 2 ? slug : `project-${slug || "x"}`;
}

/** `scheme://host[:port]` with nothing after it. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}
