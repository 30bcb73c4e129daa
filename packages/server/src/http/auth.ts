import type { FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";
import { hashToken, sameSecret, tokenKind } from "../projects/tokens.js";
import type { Project, Store } from "../store/store.js";

/** Who is calling: the operator (all projects), a project's admin, or a project's ingest key. */
export type Caller =
  | { role: "operator" }
  | { role: "admin"; project: Project }
  | { role: "ingest"; project: Project };

const MAX_CACHED = 10_000;

/**
 * Resolves bearer tokens to callers, caching lookups briefly so ingestion does not hit the store for
 * every survey. A revoked key keeps working for at most `ttlSeconds` on servers that cached it.
 */
export class KeyResolver {
  private readonly cache = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(
    private readonly store: Store,
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
    const key = await this.store.findApiKeyByHash(hash);
    const project = key ? await this.store.getProject(key.projectId) : undefined;
    if (!key || !project) {
      this.cache.delete(hash);
      return undefined;
    }
    const caller: Caller = { role: key.kind, project };
    if (this.ttlSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(hash, { caller, expiresAt: now + this.ttlSeconds * 1000 });
    }
    return caller;
  }

  /** Forget cached lookups (after a revocation in this process). */
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
export async function requireSubmitter(resolver: KeyResolver, request: FastifyRequest): Promise<Project> {
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
  return caller.project;
}

/** Resolve a caller allowed to read or manage: the operator or a project admin. Ingest keys never read. */
export async function requireAdmin(
  resolver: KeyResolver,
  request: FastifyRequest,
): Promise<Exclude<Caller, { role: "ingest" }>> {
  const token = bearer(request);
  if (!token) throw new AftercallError("UNAUTHORIZED", "An admin token is required as a Bearer token.");
  const caller = await resolver.resolve(token);
  if (!caller) throw new AftercallError("UNAUTHORIZED", "The token is not valid or was revoked.");
  if (caller.role === "ingest")
    throw new AftercallError("FORBIDDEN", "Ingest keys may only submit surveys; use an admin token to read.");
  return caller;
}

/** Require the operator token. */
export async function requireOperator(resolver: KeyResolver, request: FastifyRequest): Promise<void> {
  const caller = await requireAdmin(resolver, request);
  if (caller.role !== "operator")
    throw new AftercallError("FORBIDDEN", "Only the operator token may do this.");
}

/**
 * The project an admin call acts on: an admin token's own project, or for the operator the named one.
 * A token never reaches another project: asking for one answers NOT_FOUND, as if it did not exist.
 */
export async function projectInScope(
  store: Store,
  caller: Exclude<Caller, { role: "ingest" }>,
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
  const project = await store.getProject(projectId);
  if (!project) throw new AftercallError("NOT_FOUND", `Project "${projectId}" was not found.`);
  return project;
}
