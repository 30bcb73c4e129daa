import {
  createKey,
  createProject,
  getProject,
  getProjectLimits,
  getSurveyConfig,
  listKeys,
  listProjects,
  putProjectLimits,
  putSurveyConfig,
  revokeKey,
} from "@aftercall/api";
import { type ValidationIssue, validateSurveyConfig } from "@aftercall/schema";
import type { FastifyInstance } from "fastify";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";
import { effectiveLimits, setProjectLimits } from "../limits/project-limits.js";
import * as manage from "../projects/manage-projects.js";
import * as store from "../projects/project-store.js";

/** Projects, their keys and survey configuration. Creating projects needs the operator token. */
export function projectRoutes(app: FastifyInstance, ctx: AppContext): void {
  handle(app, ctx, createProject, async ({ body, reply, request }) => {
    const created = await manage.createProject(ctx.db, body);
    request.projectId = created.project.id;
    return reply.code(201).send(created);
  });

  handle(app, ctx, listProjects, async ({ caller }) => ({
    items: caller.role === "operator" ? await store.listProjects(ctx.db) : [caller.project],
  }));

  handle(app, ctx, getProject, async ({ project }) => project);

  handle(app, ctx, listKeys, async ({ project }) => ({ items: await store.listApiKeys(ctx.db, project.id) }));

  handle(app, ctx, createKey, async ({ project, body, reply }) =>
    reply.code(201).send(await manage.issueKey(ctx.db, project.id, body.kind, body.label ?? "")),
  );

  handle(app, ctx, revokeKey, async ({ project, params, reply }) => {
    if (!(await store.revokeApiKey(ctx.db, project.id, params.keyId)))
      throw new AftercallError("NOT_FOUND", `Active key ${params.keyId} was not found.`);
    ctx.resolver.invalidate();
    return reply.code(204).send();
  });

  handle(app, ctx, getSurveyConfig, async ({ project }) => project.surveyConfig);

  handle(app, ctx, putSurveyConfig, async ({ project, body }) => {
    const result = validateSurveyConfig(body);
    if (!result.ok)
      throw new AftercallError(
        "VALIDATION_FAILED",
        (result.errors[0] as ValidationIssue).message,
        result.errors,
      );
    await store.updateSurveyConfig(ctx.db, project.id, result.value);
    ctx.resolver.invalidate();
    return result.value;
  });

  handle(app, ctx, getProjectLimits, async ({ project }) => ({
    overrides: project.limits,
    effective: effectiveLimits(ctx.limits.settings, project.limits),
  }));

  // Limits protect the operator's server: a project's admins read them, only the operator sets them.
  handle(app, ctx, putProjectLimits, async ({ params, body }) => {
    const overrides = await setProjectLimits(ctx.db, params.projectId, body);
    ctx.resolver.invalidate();
    return { overrides, effective: effectiveLimits(ctx.limits.settings, overrides) };
  });
}
