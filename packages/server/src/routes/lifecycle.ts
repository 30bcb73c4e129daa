import { eraseData, getDataPolicy, getErasure, listErasures, putDataPolicy } from "@aftercall/api";
import type { FastifyInstance } from "fastify";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";
import { setDataPolicy } from "../lifecycle/data-policy.js";
import * as erasures from "../lifecycle/erasure.js";

/** Data protection: the data policy and erasures (admin). */
export function lifecycleRoutes(app: FastifyInstance, ctx: AppContext): void {
  handle(app, ctx, getDataPolicy, async ({ project }) => project.dataPolicy);

  handle(app, ctx, putDataPolicy, async ({ project, body }) => {
    const policy = await setDataPolicy(ctx.db, project.id, body);
    ctx.resolver.invalidate();
    return policy;
  });

  handle(app, ctx, eraseData, async ({ project, body, caller, reply }) => {
    const given = (["participantId", "callId"] as const).filter((field) => body[field] !== undefined);
    if (given.length !== 1)
      throw new AftercallError("VALIDATION_FAILED", "Give exactly one of participantId and callId.", [
        { code: "REQUIRED", path: "participantId", message: "Give exactly one of participantId and callId." },
      ]);
    const selector = given[0] as erasures.ErasureSelector;
    const { receipt, created } = await erasures.erase(ctx.db, {
      projectId: project.id,
      selector,
      value: body[selector] as string,
      ...(body.id ? { id: body.id } : {}),
      requestedBy: caller.role === "operator" ? "operator" : caller.keyId,
      nowMs: ctx.ingest.now().getTime(),
    });
    if (created) ctx.delivery?.notify();
    return reply.code(created ? 201 : 200).send(receipt);
  });

  handle(app, ctx, listErasures, async ({ project, query }) => ({
    items: await erasures.listErasures(ctx.db, project.id, {
      limit: query.limit,
      ...(query.before ? { beforeMs: Date.parse(query.before) } : {}),
    }),
  }));

  handle(app, ctx, getErasure, async ({ project, params }) => {
    const receipt = await erasures.getErasure(ctx.db, project.id, params.erasureId);
    if (!receipt) throw new AftercallError("NOT_FOUND", `Erasure ${params.erasureId} was not found.`);
    return receipt;
  });
}
