import type { RouteAuth } from "@aftercall/api";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";
import type { Project } from "../projects/project.js";
import { findApiKeyByHash, getProject } from "../projects/project-store.js";
import { hashToken, sameSecret, tokenKind } from "../projects/tokens.js";
import type { Database } from "../store/database.js";
import { allowOrigin, enforceOrigin } from "./cors.js";

/** Who is calling: the operator (all projects), a project's admin, or a project's ingest key. */
export type Caller =
  | { role: "operator" }
  | { role: "admin"; project: Project; keyId: string }
  | { role: "ingest"; project: Project; keyId: string };

/** A caller allowed to read or manage: the operator or a project admin. */
export type Reader = Exclude<Caller, { role: "ingest" }>;

const MAX_CACHED = 10_000;

/**
 * Resolves bearer tokens to callers, caching lookups briefly so ingestion does not hit the store for
 * every survey. A revoked key keeps working for at most `ttlSeconds` on servers that cached it.
 */
export class KeyResolver {
  private readonly cache = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly operatorToken: string | undefined,
    private readonly ttlSeconds: number,
  ) {}

  async resolve(token: string): Promise<Caller | undefined> {
    if (this.operatorToken && sameSecret(token, this.operatorToken)) return { role: "operator" };
    if (!tokenKind(token)) return undefined;
    const hash = hashToken(token);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > now) return hit.caller;
    const key = await findApiKeyByHash(this.db, hash);
    const project = key ? await getProject(this.db, key.projectId) : undefined;
    if (!key || !project) {
      this.cache.delete(hash);
      return undefined;
    }
    const caller: Caller = { role: key.kind, project, keyId: key.id };
    if (this.ttlSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(hash, { caller, expiresAt: now + this.ttlSeconds * 1000 });
    }
    return caller;
  }

  /** Forget cached lookups (after a revocation or a configuration change in this process). */
  invalidate(): void {
    this.cache.clear();
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The ingest key of a submission: `Authorization: Bearer`, the `x-aftercall-key` header, or the `key`
 * query parameter (navigator.sendBeacon cannot set headers; ingest keys are publishable, so a URL is fine).
 */
export function ingestToken(request: FastifyRequest): string | undefined {
  const header = request.headers["x-aftercall-key"];
  const query = (request.query as Record<string, unknown> | undefined)?.key;
  return (
    bearer(request) ??
    (typeof header === "string" ? header : undefined) ??
    (typeof query === "string" ? query : undefined)
  );
}

/** Resolve the caller of a submission: only a project's ingest key may submit. */
export async function requireSubmitter(
  resolver: KeyResolver,
  request: FastifyRequest,
): Promise<Extract<Caller, { role: "ingest" }>> {
  const token = ingestToken(request);
  if (!token)
    throw new AftercallError(
      "UNAUTHORIZED",
      "An ingest key is required: send it as a Bearer token, an x-aftercall-key header or a key query parameter.",
    );
  const caller = await resolver.resolve(token);
  if (!caller) throw new AftercallError("UNAUTHORIZED", "The key is not valid or was revoked.");
  // Secret tokens never travel where ingest keys do (web pages, URLs, beacons).
  if (caller.role !== "ingest") {
    throw new AftercallError(
      "FORBIDDEN",
      "Submit with the project's ingest key (ac_pk_…), never a secret token.",
    );
  }
  return caller;
}

/** Resolve a caller allowed to read or manage: the operator or a project admin. Ingest keys never read. */
export async function requireReader(resolver: KeyResolver, request: FastifyRequest): Promise<Reader> {
  const token = bearer(request);
  if (!token) throw new AftercallError("UNAUTHORIZED", "An admin token is required as a Bearer token.");
  const caller = await resolver.resolve(token);
  if (!caller) throw new AftercallError("UNAUTHORIZED", "The token is not valid or was revoked.");
  if (caller.role === "ingest")
    throw new AftercallError("FORBIDDEN", "Ingest keys may only submit surveys; use an admin token to read.");
  return caller;
}

/**
 * The project an admin call acts on: an admin token's own project, or for the operator the named one.
 * A token never reaches another project: asking for one answers NOT_FOUND, as if it did not exist.
 */
export async function projectInScope(
  db: Database,
  caller: Reader,
  projectId: string | undefined,
): Promise<Project> {
  if (caller.role === "admin") {
    if (projectId !== undefined && projectId !== caller.project.id) {
      throw new AftercallError("NOT_FOUND", `Project "${projectId}" was not found.`);
    }
    return caller.project;
  }
  if (!projectId)
    throw new AftercallError("INVALID_PARAMETER", "projectId is required with the operator token.");
  const project = await getProject(db, projectId);
  if (!project) throw new AftercallError("NOT_FOUND", `Project "${projectId}" was not found.`);
  return project;
}

/** Where a route names its project: the `:projectId` path parameter, or the legacy `?projectId=`. */
function namedProject(request: FastifyRequest): string | undefined {
  const fromPath = (request.params as Record<string, unknown> | undefined)?.projectId;
  if (typeof fromPath === "string") return fromPath;
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.projectId;
  return typeof fromQuery === "string" ? fromQuery : undefined;
}

/**
 * The one authentication and scope check, run for every route before its body is read: it resolves the
 * caller for the route's `auth` and, for project routes, the project in the caller's reach, and leaves
 * both on the request for the handler.
 */
export function authorize(db: Database, resolver: KeyResolver, auth: RouteAuth) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    switch (auth) {
      case "public":
        return;
      case "ingest": {
        allowOrigin(request, reply);
        const { project, keyId } = await requireSubmitter(resolver, request);
        request.project = project;
        request.ingestKeyId = keyId;
        request.projectId = project.id;
        enforceOrigin(request, project);
        return;
      }
      case "reader":
        request.caller = await requireReader(resolver, request);
        return;
      case "operator": {
        const caller = await requireReader(resolver, request);
        if (caller.role !== "operator")
          throw new AftercallError("FORBIDDEN", "Only the operator token may do this.");
        request.caller = caller;
        return;
      }
      case "admin": {
        const caller = await requireReader(resolver, request);
        request.caller = caller;
        request.project = await projectInScope(db, caller, namedProject(request));
        request.projectId = request.project.id;
        return;
      }
    }
  };
}
