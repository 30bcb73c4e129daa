import {
  createAlertRule,
  deleteAlertRule,
  getAlertRule,
  listAlertHistory,
  listAlertRules,
  listAlerts,
  updateAlertRule,
} from "@aftercall/api";
import type { FastifyInstance } from "fastify";
import * as store from "../alerts/rule-store.js";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";

const body = (value: unknown): Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new AftercallError("VALIDATION_FAILED", "An alert rule must be a JSON object.", [
      { code: "INVALID_TYPE", path: "", message: "An alert rule must be a JSON object." },
    ]);
  return value as Record<string, unknown>;
};

/** Alert rules, their state and history (admin). */
export function alertRoutes(app: FastifyInstance, ctx: AppContext): void {
  const now = () => ctx.ingest.now().getTime();
  const view = async (projectId: string, ruleId: string) => {
    const [found] = await store.ruleViews(ctx.db, projectId, ruleId);
    if (!found) throw new AftercallError("NOT_FOUND", `Alert rule ${ruleId} was not found.`);
    return found;
  };

  handle(app, ctx, listAlertRules, async ({ project }) => ({
    items: await store.ruleViews(ctx.db, project.id),
  }));

  handle(app, ctx, createAlertRule, async ({ project, body: input, reply }) => {
    const created = await store.createRule(ctx.db, project.id, body(input), now());
    return reply.code(201).send(await view(project.id, created.id));
  });

  handle(app, ctx, getAlertRule, async ({ project, params }) => view(project.id, params.ruleId));

  handle(app, ctx, updateAlertRule, async ({ project, params, body: patch }) => {
    await store.updateRule(ctx.db, project.id, params.ruleId, body(patch), now());
    return view(project.id, params.ruleId);
  });

  handle(app, ctx, deleteAlertRule, async ({ project, params, reply }) => {
    if (!(await store.deleteRule(ctx.db, project.id, params.ruleId)))
      throw new AftercallError("NOT_FOUND", `Alert rule ${params.ruleId} was not found.`);
    return reply.code(204).send();
  });

  handle(app, ctx, listAlerts, async ({ project }) => ({
    items: await store.listAlerts(ctx.db, project.id),
  }));

  handle(app, ctx, listAlertHistory, async ({ project, query }) => ({
    items: await store.listHistory(ctx.db, project.id, {
      limit: query.limit,
      ...(query.before ? { beforeMs: parseInstant(query.before) } : {}),
      ...(query.ruleId ? { ruleId: query.ruleId } : {}),
    }),
  }));
}

function parseInstant(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new AftercallError("INVALID_PARAMETER", "before must be an ISO 8601 date-time.");
  return ms;
}
