import { defaultResourceId, type SurveySubmission } from "@aftercall/schema";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { toPendingSurvey } from "../../src/ingest/pending-survey.js";
import type { Project } from "../../src/projects/project.js";
import { insertProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";

/**
 * Shared seed helpers: projects and surveys put straight into a database, the way the product would
 * store them, so tests state only what matters to them.
 *
 * @module
 */

/** A project row with the defaults of a project nobody configured (overrides win). */
export function seedProject(db: Database, id: string, overrides: Partial<Project> = {}): Promise<Project> {
  return insertProject(db, {
    id,
    name: id,
    allowedOrigins: [],
    requireOverallRating: false,
    resourceId: defaultResourceId(id),
    ...overrides,
  });
}

/** Several projects with the same overrides. */
export async function seedProjects(db: Database, ids: readonly string[], overrides: Partial<Project> = {}) {
  const projects: Project[] = [];
  for (const id of ids) projects.push(await seedProject(db, id, overrides));
  return projects;
}

/**
 * Commit `submissions` into `projectId`, each as its own group (so one conflict skips only itself),
 * received at `receivedAt(i)`; resolves with the outcomes.
 */
export function seedSurveys(
  db: Database,
  projectId: string,
  submissions: readonly SurveySubmission[],
  receivedAt: (index: number) => number,
) {
  return commitSurveyGroups(
    db,
    submissions.map((s, i) => [toPendingSurvey(s, { projectId, receivedAt: new Date(receivedAt(i)) })]),
  );
}

let counter = 0;

/** A valid submission with a fresh id; override any field. */
export function survey(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    id: crypto.randomUUID(),
    callId: `call-${counter}`,
    participantId: `participant-${counter}`,
    clientTime: "2026-11-23T10:15:00.000Z",
    overallRating: { score: 4 },
    ...overrides,
  };
}
