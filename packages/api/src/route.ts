import type { Static, TSchema } from "typebox";

/**
 * Who may call a route, checked by the server's one auth preHandler before the body is read:
 * - `ingest`: a project's publishable ingest key (browser-facing, CORS);
 * - `admin`: a project admin token for its own project, or the operator token for any project, named by
 *   the route's `:projectId` (or, on the legacy aliases, `?projectId=`);
 * - `reader`: any admin token or the operator token, not scoped to one project (e.g. the project list);
 * - `operator`: only the operator token;
 * - `public`: nobody needs a key (health, the API description, the dashboard's files).
 */
export type RouteAuth = "ingest" | "admin" | "reader" | "operator" | "public";

/** A response of a route: its schema (JSON) or a media type with a description (files, streams). */
export type RouteResponse = TSchema | { mediaType: string; description: string; schema?: TSchema };

/**
 * One HTTP route, declared once. From this declaration come the runtime validation of its parameters,
 * query and (configuration) bodies, the TypeScript types its handler sees, the OpenAPI document served
 * at `/openapi.json` and the types the dashboard's client uses.
 */
export interface RouteDeclaration {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify-style path: `/v1/projects/:projectId/surveys`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  auth: RouteAuth;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /**
   * The body is checked by the handler with the schema package's own validator (surveys, lifecycle
   * events, survey configuration: ACS's exact messages, cross-field rules); `body` only documents it.
   */
  bodyCheckedByHandler?: boolean;
  /** Media types the body may come as; default `application/json`. */
  consumes?: readonly string[];
  /** Responses by status; `null` for a response without a body (204). */
  responses: Readonly<Record<number, RouteResponse | null>>;
  /** Error statuses beyond the ones every route of its `auth` may answer. */
  errors?: readonly number[];
  /** An older URL answering the same (kept working, documented as deprecated). */
  alias?: { url: string; querystring?: TSchema; description: string };
  /** Request headers the route reads (documented), e.g. the ingest key's `x-aftercall-key`. */
  headers?: readonly { name: string; description: string }[];
  /** Examples of the success response, validated against its schema by the contract test. */
  examples?: Readonly<Record<number, unknown>>;
}

/** Declare a route; keeps its literal types so handlers and clients see exact shapes. */
export function defineRoute<const R extends RouteDeclaration>(route: R): R {
  return route;
}

type SchemaOf<S> = S extends TSchema ? Static<S> : undefined;

/** The validated path parameters a handler of `R` sees. */
export type RouteParams<R extends RouteDeclaration> = SchemaOf<R["params"]>;
/** The validated query a handler of `R` sees. */
export type RouteQuery<R extends RouteDeclaration> = SchemaOf<R["querystring"]>;
/** The body a handler of `R` sees (unknown when the handler checks it itself). */
export type RouteBody<R extends RouteDeclaration> = R["bodyCheckedByHandler"] extends true
  ? unknown
  : SchemaOf<R["body"]>;

type SuccessStatus<R extends RouteDeclaration> = Extract<keyof R["responses"], 200 | 201>;

/** The JSON a successful call of `R` answers (200 or 201). */
export type RouteReply<R extends RouteDeclaration> = R["responses"][SuccessStatus<R>] extends infer S
  ? S extends TSchema
    ? Static<S>
    : S extends { schema: infer T }
      ? T extends TSchema
        ? Static<T>
        : never
      : undefined
  : never;
