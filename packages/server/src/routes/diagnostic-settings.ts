import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  createSetting,
  parkedBatches,
  requireSetting,
  selectTypes,
  settingView,
  testSetting,
  updateSetting,
} from "../delivery/manage-settings.js";
import { parseBackfillFrom, parseSettingInput, parseSettingPatch } from "../delivery/settings.js";
import { AftercallError } from "../errors.js";
import { projectInScope, requireAdmin, requireOperator } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import type { Project } from "../store/store.js";

type ProjectParams = { Params: { projectId: string } };
type SettingParams = {
  Params: { projectId: string; settingId: string };
  Querystring: { destination?: string };
};
type ParkedParams = { Params: { projectId: string; settingId: string; parkedId: string } };

const BASE = "/v1/projects/:projectId/diagnostic-settings";

/**
 * Diagnostic settings of a project (admin token), their destinations' status and parked batches, and
 * `/metrics` for Prometheus (operator token). Reads never return secrets.
 */
export function diagnosticSettingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const project = async (request: FastifyRequest<{ Params: { projectId: string } }>): Promise<Project> => {
    const caller = await requireAdmin(ctx.resolver, request);
    const found = await projectInScope(ctx.store, caller, request.params.projectId);
    request.projectId = found.id;
    return found;
  };
  const setting = async (request: FastifyRequest<SettingParams | ParkedParams>) =>
    requireSetting(ctx.store, (await project(request)).id, request.params.settingId);
  const view = async (projectId: string, id: string) =>
    settingView(ctx.store, await requireSetting(ctx.store, projectId, id));

  app.get(BASE, async (request: FastifyRequest<ProjectParams>) => {
    const p = await project(request);
    const settings = await ctx.store.delivery.listSettings(p.id);
    return { items: await Promise.all(settings.map((s) => settingView(ctx.store, s))) };
  });

  const author = async (request: FastifyRequest) => ({
    operator: (await requireAdmin(ctx.resolver, request)).role === "operator",
  });

  app.post(BASE, async (request: FastifyRequest<ProjectParams>, reply) => {
    const p = await project(request);
    const created = await createSetting(ctx.store, p, parseSettingInput(request.body), await author(request));
    ctx.delivery?.notify();
    return reply.code(201).send(await settingView(ctx.store, created));
  });

  app.get(`${BASE}/:settingId`, async (request: FastifyRequest<SettingParams>) => {
    const s = await setting(request);
    return settingView(ctx.store, s);
  });

  app.patch(`${BASE}/:settingId`, async (request: FastifyRequest<SettingParams>) => {
    const p = await project(request);
    const updated = await updateSetting(
      ctx.store,
      p,
      request.params.settingId,
      parseSettingPatch(request.body),
      await author(request),
    );
    ctx.delivery?.notify();
    return settingView(ctx.store, updated);
  });

  app.delete(`${BASE}/:settingId`, async (request: FastifyRequest<SettingParams>, reply) => {
    const p = await project(request);
    if (!(await ctx.store.delivery.deleteSetting(p.id, request.params.settingId)))
      throw new AftercallError("NOT_FOUND", `Diagnostic setting ${request.params.settingId} was not found.`);
    return reply.code(204).send();
  });

  for (const action of ["pause", "resume"] as const) {
    app.post(`${BASE}/:settingId/${action}`, async (request: FastifyRequest<SettingParams>) => {
      const s = await setting(request);
      await ctx.store.delivery.setPaused(s.id, selectTypes(s, request.query.destination), action === "pause");
      ctx.delivery?.notify();
      return view(s.projectId, s.id);
    });
  }

  app.post(`${BASE}/:settingId/backfill`, async (request: FastifyRequest<SettingParams>) => {
    const s = await setting(request);
    const fromMs = parseBackfillFrom(request.body);
    await ctx.store.delivery.backfill(s.id, selectTypes(s, request.query.destination), fromMs);
    ctx.delivery?.notify();
    return view(s.projectId, s.id);
  });

  app.post(`${BASE}/:settingId/test`, async (request: FastifyRequest<SettingParams>) => {
    const p = await project(request);
    const s = await requireSetting(ctx.store, p.id, request.params.settingId);
    return { results: await testSetting(p, s, selectTypes(s, request.query.destination)) };
  });

  app.get(`${BASE}/:settingId/parked`, async (request: FastifyRequest<SettingParams>) => {
    return { items: await parkedBatches(ctx.store, await setting(request)) };
  });

  app.post(`${BASE}/:settingId/parked/retry`, async (request: FastifyRequest<SettingParams>) => {
    const s = await setting(request);
    const requested = await ctx.store.delivery.requestParkedRetry(s.id);
    ctx.delivery?.notify();
    return { requested };
  });

  app.post(`${BASE}/:settingId/parked/:parkedId/retry`, async (request: FastifyRequest<ParkedParams>) => {
    const s = await setting(request);
    const requested = await ctx.store.delivery.requestParkedRetry(s.id, request.params.parkedId);
    if (requested === 0)
      throw new AftercallError("NOT_FOUND", `Parked batch ${request.params.parkedId} was not found.`);
    ctx.delivery?.notify();
    return { requested };
  });

  app.get("/metrics", async (request, reply) => {
    await requireOperator(ctx.resolver, request);
    const registry = ctx.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
