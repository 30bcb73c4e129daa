import {
  backfillSetting,
  createSetting,
  deleteSetting,
  getSetting,
  listParked,
  listSettings,
  pauseSetting,
  resumeSetting,
  retryParked,
  retryParkedBatch,
  testSetting,
  updateSetting,
} from "@aftercall/api";
import type { FastifyInstance } from "fastify";
import * as manage from "../delivery/manage-settings.js";
import { parseBackfillFrom, parseSettingInput, parseSettingPatch } from "../delivery/settings.js";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";

/** Diagnostic settings of a project (admin token), their destinations' status and parked batches. */
export function deliveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const store = ctx.deliveryStore;
  const wake = () => ctx.delivery?.notify();
  const setting = (projectId: string, settingId: string) =>
    manage.requireSetting(store, projectId, settingId);
  const view = async (projectId: string, settingId: string) =>
    manage.settingView(store, await setting(projectId, settingId));

  handle(app, ctx, listSettings, async ({ project }) => ({
    items: await Promise.all((await store.listSettings(project.id)).map((s) => manage.settingView(store, s))),
  }));

  handle(app, ctx, createSetting, async ({ project, caller, body, reply }) => {
    const created = await manage.createSetting(store, project, parseSettingInput(body), {
      operator: caller.role === "operator",
      outbound: ctx.outbound,
    });
    wake();
    return reply.code(201).send(await manage.settingView(store, created));
  });

  handle(app, ctx, getSetting, async ({ project, params }) => view(project.id, params.settingId));

  handle(app, ctx, updateSetting, async ({ project, caller, params, body }) => {
    const updated = await manage.updateSetting(store, project, params.settingId, parseSettingPatch(body), {
      operator: caller.role === "operator",
      outbound: ctx.outbound,
    });
    wake();
    return manage.settingView(store, updated);
  });

  handle(app, ctx, deleteSetting, async ({ project, params, reply }) => {
    if (!(await store.deleteSetting(project.id, params.settingId)))
      throw new AftercallError("NOT_FOUND", `Diagnostic setting ${params.settingId} was not found.`);
    return reply.code(204).send();
  });

  for (const [route, paused] of [
    [pauseSetting, true],
    [resumeSetting, false],
  ] as const) {
    handle(app, ctx, route, async ({ project, params, query }) => {
      const s = await setting(project.id, params.settingId);
      await store.setPaused(s.id, manage.selectTypes(s, query.destination), paused);
      wake();
      return view(project.id, s.id);
    });
  }

  handle(app, ctx, backfillSetting, async ({ project, params, query, body }) => {
    const s = await setting(project.id, params.settingId);
    await manage.backfillSetting(store, s, manage.selectTypes(s, query.destination), parseBackfillFrom(body));
    wake();
    return view(project.id, s.id);
  });

  handle(app, ctx, testSetting, async ({ project, params, query }) => {
    const s = await setting(project.id, params.settingId);
    return {
      results: await manage.testSetting(project, s, manage.selectTypes(s, query.destination), ctx.outbound),
    };
  });

  handle(app, ctx, listParked, async ({ project, params }) => ({
    items: await manage.parkedBatches(store, await setting(project.id, params.settingId)),
  }));

  handle(app, ctx, retryParked, async ({ project, params }) => {
    const s = await setting(project.id, params.settingId);
    const requested = await store.requestParkedRetry(s.id);
    wake();
    return { requested };
  });

  handle(app, ctx, retryParkedBatch, async ({ project, params }) => {
    const s = await setting(project.id, params.settingId);
    const requested = await store.requestParkedRetry(s.id, params.parkedId);
    if (requested === 0)
      throw new AftercallError("NOT_FOUND", `Parked batch ${params.parkedId} was not found.`);
    wake();
    return { requested };
  });
}
