import type { FastifyInstance, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";
import { projectInScope, requireAdmin, requireOperator } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import { type CreateProjectInput, createProject, issueKey } from "../projects/manage-projects.js";
import type { ApiKeyKind } from "../store/store.js";

type Body = Record<string, unknown> | null | undefined;

function parseCreateProject(body: Body): CreateProjectInput {
  if (!body || typeof body !== "object")
    throw new AftercallError("INVALID_PARAMETER", "Body must be a JSON object.");
  const { id, name, allowedOrigins, requireOverallRating, resourceId, ...rest } = body;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new AftercallError("INVALID_PARAMETER", `Unknown field "${unknown}".`);
  if (typeof name !== "string")
    throw new AftercallError("INVALID_PARAMETER", "name is required and must be a string.");
  const input: CreateProjectInput = { name };
  if (id !== undefined) {
    if (typeof id !== "string") throw new AftercallError("INVALID_PARAMETER", "id must be a string.");
    input.id = id;
  }
  if (allowedOrigins !== undefined) {
    if (!Array.isArray(allowedOrigins) || !allowedOrigins.every((o) => typeof o === "string")) {
      throw new AftercallError("INVALID_PARAMETER", "allowedOrigins must be an array of origins.");
    }
    input.allowedOrigins = allowedOrigins;
  }
  if (requireOverallRating !== undefined) {
    if (typeof requireOverallRating !== "boolean")
      throw new AftercallError("INVALID_PARAMETER", "requireOverallRating must be a boolean.");
    input.requireOverallRating = requireOverallRating;
  }
  if (resourceId !== undefined) {
    if (typeof resourceId !== "string" || resourceId.length > 512)
      throw new AftercallError("INVALID_PARAMETER", "resourceId must be a string.");
    input.resourceId = resourceId;
  }
  return input;
}

type ProjectParams = { Params: { projectId: string } };

/** Projects and their keys. Creating projects needs the operator token; the rest a project's admin token. */
export function projectRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post("/v1/projects", async (request, reply) => {
    await requireOperator(ctx.resolver, request);
    const created = await createProject(ctx.store, parseCreateProject(request.body as Body));
    request.projectId = created.project.id;
    return reply.code(201).send(created);
  });

  app.get("/v1/projects", async (request) => {
    const caller = await requireAdmin(ctx.resolver, request);
    return { items: caller.role === "operator" ? await ctx.store.listProjects() : [caller.project] };
  });

  app.get("/v1/projects/:projectId", async (request: FastifyRequest<ProjectParams>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    return projectInScope(ctx.store, caller, request.params.projectId);
  });

  app.get("/v1/projects/:projectId/keys", async (request: FastifyRequest<ProjectParams>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    const project = await projectInScope(ctx.store, caller, request.params.projectId);
    return { items: await ctx.store.listApiKeys(project.id) };
  });

  app.post("/v1/projects/:projectId/keys", async (request: FastifyRequest<ProjectParams>, reply) => {
    const caller = await requireAdmin(ctx.resolver, request);
    const project = await projectInScope(ctx.store, caller, request.params.projectId);
    const body = (request.body ?? {}) as Body;
    const kind = body?.kind;
    const label = body?.label ?? "";
    if (kind !== "ingest" && kind !== "admin")
      throw new AftercallError("INVALID_PARAMETER", 'kind must be "ingest" or "admin".');
    if (typeof label !== "string" || label.length > 100)
      throw new AftercallError("INVALID_PARAMETER", "label must be a string of at most 100 characters.");
    return reply.code(201).send(await issueKey(ctx.store, project.id, kind as ApiKeyKind, label));
  });

  app.delete(
    "/v1/projects/:projectId/keys/:keyId",
    async (request: FastifyRequest<{ Params: { projectId: string; keyId: string } }>, reply) => {
      const caller = await requireAdmin(ctx.resolver, request);
      const project = await projectInScope(ctx.store, caller, request.params.projectId);
      if (!(await ctx.store.revokeApiKey(project.id, request.params.keyId))) {
        throw new AftercallError("NOT_FOUND", `Active key ${request.params.keyId} was not found.`);
      }
      ctx.resolver.invalidate();
      return reply.code(204).send();
    },
  );
}
