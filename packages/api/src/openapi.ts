import type { TSchema } from "typebox";
import { ERROR_STATUS, ErrorBodySchema } from "./errors.js";
import type { RouteDeclaration, RouteResponse } from "./route.js";

/**
 * The OpenAPI 3.1 document of a list of route declarations: the one description of the HTTP API,
 * generated, never written by hand.
 *
 * @module
 */

type Json = Record<string, unknown>;

/** JSON Schema without TypeBox's bookkeeping, as plain JSON. */
const plain = (schema: TSchema | Json): Json => JSON.parse(JSON.stringify(schema)) as Json;

/**
 * Move every titled schema (SurveySubmission, SurveyRecord, Project, …) into `components.schemas` and
 * refer to it, so the document names the API's shapes once; `$id`s are dropped with them.
 */
function liftTitled(value: unknown, components: Record<string, Json>): unknown {
  if (Array.isArray(value)) return value.map((v) => liftTitled(v, components));
  if (typeof value !== "object" || value === null) return value;
  const object = Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [k, liftTitled(v, components)]),
  ) as Json;
  const title = object.title;
  if (typeof title !== "string" || !/^[A-Za-z]+$/.test(title)) return object;
  const { $id: _id, ...schema } = object;
  components[title] = schema;
  return { $ref: `#/components/schemas/${title}` };
}

/** `/v1/projects/:projectId` → `/v1/projects/{projectId}`. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, "{$1}");

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "A parameter or the body is invalid (INVALID_PARAMETER, VALIDATION_FAILED, INVALID_JSON).",
  401: "No key, or a key that does not exist or was revoked (UNAUTHORIZED).",
  403: "The key may not do this (FORBIDDEN, ORIGIN_NOT_ALLOWED).",
  404: "No such resource, or out of the token's reach (NOT_FOUND).",
  409: "Conflict (SURVEY_CONFLICT, PROJECT_EXISTS, SETTING_LIMIT_REACHED, SETTING_EXISTS, BACKFILL_BEYOND_HORIZON).",
  413: "The body is too large (PAYLOAD_TOO_LARGE).",
  415: "Unsupported Content-Type (UNSUPPORTED_MEDIA_TYPE).",
  503: "Shutting down or the store is unavailable (SHUTTING_DOWN, STORE_UNAVAILABLE); retry.",
};

function errorStatuses(route: RouteDeclaration): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.params || route.querystring || route.body) statuses.add(400);
  if (route.auth !== "public") {
    statuses.add(401);
    statuses.add(403);
  }
  if (route.auth === "admin") statuses.add(404);
  return [...statuses].sort((a, b) => a - b);
}

function parameters(route: RouteDeclaration, url: string, querystring: TSchema | undefined): Json[] {
  const list: Json[] = [];
  const pathNames = [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);
  const pathSchemas = ((route.params as Json | undefined)?.properties ?? {}) as Record<string, Json>;
  for (const name of pathNames)
    list.push({ name, in: "path", required: true, schema: plain(pathSchemas[name] ?? { type: "string" }) });
  const query = (querystring ?? {}) as Json;
  const required = new Set((query.required as string[] | undefined) ?? []);
  for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, Json>)) {
    const { description, ...rest } = plain(schema);
    list.push({
      name,
      in: "query",
      required: required.has(name),
      schema: rest,
      ...(description ? { description } : {}),
    });
  }
  for (const [pattern, schema] of Object.entries((query.patternProperties ?? {}) as Record<string, Json>)) {
    const { description, ...rest } = plain(schema);
    // OpenAPI cannot name a family of parameters; this one stands for all names matching the pattern.
    const prefix = pattern.replace(/^\^/, "").replace(/\\\./g, ".");
    list.push({
      name: `${prefix}<key>`,
      in: "query",
      schema: rest,
      description: `${description ?? ""} (Any parameter matching ${pattern}.)`.trim(),
    });
  }
  for (const header of route.headers ?? [])
    list.push({
      name: header.name,
      in: "header",
      schema: { type: "string" },
      description: header.description,
    });
  return list;
}

function response(description: string, value: RouteResponse, example: unknown): Json {
  if ("mediaType" in value && typeof value.mediaType === "string") {
    const media: Json = value.schema ? { schema: plain(value.schema) } : {};
    return { description: value.description, content: { [value.mediaType]: media } };
  }
  return {
    description,
    content: {
      "application/json": { schema: plain(value as TSchema), ...(example === undefined ? {} : { example }) },
    },
  };
}

function operation(
  route: RouteDeclaration,
  url: string,
  querystring: TSchema | undefined,
  deprecated?: string,
): Json {
  const responses: Json = {};
  for (const [status, value] of Object.entries(route.responses)) {
    const description = Number(status) < 300 ? "Success" : "Failure";
    responses[status] =
      value === null
        ? { description: "No content" }
        : response(description, value, route.examples?.[Number(status)]);
  }
  for (const status of errorStatuses(route))
    responses[String(status)] ??= {
      description: ERROR_DESCRIPTIONS[status] ?? "Error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  const op: Json = {
    operationId: deprecated ? `${route.operationId}Legacy` : route.operationId,
    summary: route.summary,
    tags: [...route.tags],
    parameters: parameters(route, url, querystring),
    responses,
  };
  const description = [route.description, deprecated].filter(Boolean).join("\n\n");
  if (description) op.description = description;
  if (deprecated) op.deprecated = true;
  if (route.auth === "ingest") op.security = [{ ingestKey: [] }];
  else if (route.auth !== "public") op.security = [{ adminToken: [] }];
  if (route.body) {
    const schema = plain(route.body);
    op.requestBody = {
      required: true,
      content: Object.fromEntries((route.consumes ?? ["application/json"]).map((type) => [type, { schema }])),
    };
  }
  return op;
}

/** Metadata of the document. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/** Build the OpenAPI 3.1 document of `routes` (each legacy alias as a deprecated operation of its own). */
export function openApiDocument(routes: readonly RouteDeclaration[], info: OpenApiInfo): Json {
  const paths: Record<string, Json> = {};
  const add = (url: string, method: string, op: Json) => {
    const path = openApiPath(url);
    paths[path] = { ...(paths[path] ?? {}), [method.toLowerCase()]: op };
  };
  for (const route of routes) {
    add(route.url, route.method, operation(route, route.url, route.querystring));
    if (route.alias)
      add(
        route.alias.url,
        route.method,
        operation(
          route,
          route.alias.url,
          route.alias.querystring,
          `Legacy alias of ${openApiPath(route.url)}: ${route.alias.description}`,
        ),
      );
  }
  const schemas: Record<string, Json> = { Error: plain(ErrorBodySchema) };
  const liftedPaths = liftTitled(paths, schemas) as Json;
  delete (schemas.Error as Json).title;
  return {
    openapi: "3.1.0",
    info,
    components: {
      securitySchemes: {
        ingestKey: {
          type: "http",
          scheme: "bearer",
          description:
            "A project's publishable ingest key (ac_pk_…); also the x-aftercall-key header or ?key=.",
        },
        adminToken: {
          type: "http",
          scheme: "bearer",
          description: "A project's admin token (ac_sk_…) or the operator token.",
        },
      },
      schemas,
    },
    paths: liftedPaths,
    "x-error-codes": ERROR_STATUS,
  };
}
