import type { RouteBody, RouteDeclaration, RouteParams, RouteQuery } from "@aftercall/api";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { RateClass } from "../limits/rate-limits.js";
import type { Project } from "../projects/project.js";
import type { Reader } from "./auth.js";
import { authorize } from "./auth.js";
import type { AppContext } from "./context.js";
import { checkBodyHeaders } from "./ingress.js";

/** What a handler of route `R` is given: validated input and, by the route's `auth`, who and which project. */
export interface HandlerInput<R extends RouteDeclaration> {
  params: RouteParams<R>;
  query: RouteQuery<R>;
  body: RouteBody<R>;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The project of an `admin` or `ingest` route (checked to be in the caller's reach). */
  project: R["auth"] extends "admin" | "ingest" ? Project : undefined;
  /** The caller of an `admin`, `reader` or `operator` route. */
  caller: R["auth"] extends "admin" | "reader" | "operator" ? Reader : undefined;
}

export type Handler<R extends RouteDeclaration> = (input: HandlerInput<R>) => unknown;

export interface HandleOptions {
  /** Most bytes of a body; default Fastify's app-wide limit. */
  bodyLimit?: number;
}

/** Registration config every route carries, for hooks and the contract tests. */
export interface RouteConfig {
  declaration: RouteDeclaration;
}

/** Which budget a public route spends: submissions of surveys, or events (and config fetches). */
export function rateClass(route: RouteDeclaration): RateClass {
  return route.url.startsWith("/v1/surveys") ? "surveys" : "events";
}

/** The schema Fastify validates a request against: the declared parts, minus bodies handlers check. */
function requestSchema(route: RouteDeclaration, alias: boolean) {
  const schema: Record<string, unknown> = {};
  if (route.params) {
    // The legacy aliases have no :projectId in their path; their project comes from the query.
    const params = route.params as { properties?: Record<string, unknown> };
    schema.params =
      alias && params.properties?.projectId
        ? Type.Omit(route.params as Parameters<typeof Type.Omit>[0], ["projectId"])
        : route.params;
  }
  const querystring = alias ? route.alias?.querystring : route.querystring;
  if (querystring) schema.querystring = querystring;
  if (route.body && !route.bodyCheckedByHandler) schema.body = route.body;
  return schema;
}

/**
 * Register a declared route (and its legacy alias, if any) on the app: Fastify validates the declared
 * parameters, query and body before the handler runs; the one auth hook resolves the caller and the
 * project before the body is even read; the handler sees typed, validated input.
 */
export function handle<R extends RouteDeclaration>(
  app: FastifyInstance,
  ctx: AppContext,
  route: R,
  handler: Handler<R>,
  options: HandleOptions = {},
): void {
  const register = (url: string, alias: boolean) =>
    app.route({
      method: route.method,
      url,
      schema: requestSchema(route, alias),
      config: { declaration: route } satisfies RouteConfig,
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
      // The address's budget, who calls, the key's budget, what the body will be: all before a byte of
      // the body is read.
      onRequest:
        route.auth === "ingest"
          ? [
              ctx.limits.checkAddress(rateClass(route)),
              ctx.limits.holdRefusedKeys(authorize(ctx.db, ctx.resolver, route.auth)),
              ctx.limits.checkKey(rateClass(route)),
              checkBodyHeaders,
            ]
          : [authorize(ctx.db, ctx.resolver, route.auth), checkBodyHeaders],
      handler: (request, reply) => {
        const query = { ...(request.query as Record<string, unknown>) };
        const params = { ...(request.params as Record<string, unknown>) };
        if (alias) {
          // The handler sees the main form: the alias's ?projectId= stands where :projectId would.
          if (query.projectId !== undefined) params.projectId = query.projectId;
          delete query.projectId;
        }
        return handler({
          params,
          query,
          body: request.body,
          request,
          reply,
          project: request.project,
          caller: request.caller,
        } as unknown as HandlerInput<R>);
      },
    });
  register(route.url, false);
  if (route.alias) register(route.alias.url, true);
}
