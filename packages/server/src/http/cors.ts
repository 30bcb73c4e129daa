import type { FastifyReply, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";
import type { Project } from "../projects/project.js";

const ALLOWED_HEADERS = "authorization, content-type, x-aftercall-key, x-request-id";

/**
 * Answer a CORS preflight of a browser-facing route. The preflight carries no key, so it is answered for
 * any origin; the real request is then checked against the project's allowed origins.
 */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const origin = request.headers.origin;
  if (origin) reply.header("access-control-allow-origin", origin).header("vary", "Origin");
  return reply
    .header("access-control-allow-methods", "GET, POST, OPTIONS")
    .header("access-control-allow-headers", ALLOWED_HEADERS)
    .header("access-control-max-age", "600")
    .code(204)
    .send();
}

/** Response headers a page may read: a replay, a survey's warnings, 429's Retry-After, the request id. */
const EXPOSED_HEADERS = "aftercall-idempotent-replay, aftercall-warnings, retry-after, x-request-id";

/** Add CORS headers to a browser-facing response. */
export function allowOrigin(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  if (origin)
    reply
      .header("access-control-allow-origin", origin)
      .header("access-control-expose-headers", EXPOSED_HEADERS)
      .header("vary", "Origin");
}

/**
 * Refuse a request whose Origin the project does not allow. Requests without an Origin (servers, CLI)
 * pass: the allow-list stops other websites from using a publishable key, not server-side clients.
 */
export function enforceOrigin(request: FastifyRequest, project: Project): void {
  const origin = request.headers.origin;
  if (!origin || project.allowedOrigins.length === 0) return;
  if (!project.allowedOrigins.includes(origin)) {
    throw new AftercallError(
      "ORIGIN_NOT_ALLOWED",
      `Origin ${origin} is not allowed for project "${project.id}".`,
    );
  }
}
