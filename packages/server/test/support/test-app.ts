import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RouteDeclaration } from "@aftercall/api";
import { Ajv, type ValidateFunction } from "ajv";
import type { FastifyInstance } from "fastify";
import { type App, type AppOptions, createApp } from "../../src/app.js";
import type { RouteConfig } from "../../src/http/route.js";
import { createLogger } from "../../src/logger.js";
import { MIGRATIONS } from "../../src/migrations.js";
import { type CreateProjectInput, createProject } from "../../src/projects/manage-projects.js";
import type { Database } from "../../src/store/database.js";
import { SqliteEngine } from "../../src/store/sqlite/sqlite-database.js";
import { TEST_OUTBOUND } from "./outbound.js";

export { survey } from "./seed.js";

export const OPERATOR_TOKEN = "operator-token-for-tests-0123456789";

export interface TestProject {
  id: string;
  ingestKey: string;
  adminToken: string;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new WeakMap<object, ValidateFunction>();

/** The JSON schema a route declares for a status, if any (files and streams have none). */
function declaredSchema(route: RouteDeclaration, status: number): object | undefined {
  const response = route.responses[status];
  if (!response || "mediaType" in response) return undefined;
  return response;
}

/**
 * Every JSON answer of the app is checked against the response schema its route declares: every HTTP
 * test is also a test of the API contract (`@aftercall/api`). A mismatch fails the request with 500.
 */
export function checkResponsesAgainstDeclarations(fastify: FastifyInstance): void {
  fastify.addHook("preSerialization", async (request, reply, payload) => {
    const route = (request.routeOptions.config as Partial<RouteConfig> | undefined)?.declaration;
    const schema = route && declaredSchema(route, reply.statusCode);
    if (!schema || reply.statusCode >= 400) return payload;
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(JSON.parse(JSON.stringify(schema)));
      validators.set(schema, validate);
    }
    if (!validate(payload))
      throw new Error(
        `${route.method} ${route.url} answered ${reply.statusCode} off its declared schema: ${ajv.errorsText(validate.errors)}`,
      );
    return payload;
  });
}

/**
 * An in-process app on a fresh SQLite database (or the given one), silent, with an operator token and
 * loopback allowed by the outbound policy (unless `outbound` says otherwise).
 */
export async function startTestApp(
  options: Partial<
    Pick<
      AppOptions,
      | "db"
      | "now"
      | "dashboardDir"
      | "analytics"
      | "delivery"
      | "retention"
      | "folding"
      | "outbound"
      | "clientTimeWindow"
    >
  > = {},
): Promise<{
  app: App;
  db: Database;
  addProject(input: CreateProjectInput): Promise<TestProject>;
  close(): Promise<void>;
}> {
  const dir = options.db ? undefined : await mkdtemp(join(tmpdir(), "aftercall-http-"));
  const db = options.db ?? new SqliteEngine(dir as string);
  if (!options.db) await db.migrate(MIGRATIONS);
  const app = createApp({
    // The suites' engines listen on loopback; the security tests pass the strict policy instead.
    outbound: TEST_OUTBOUND,
    // Fixtures carry fixed client times (seed.ts) and many tests a clock of their own: no window unless
    // a test passes one.
    clientTimeWindow: false,
    ...options,
    db,
    logger: createLogger("silent"),
    operatorToken: OPERATOR_TOKEN,
    keyCacheSeconds: 0,
  });
  checkResponsesAgainstDeclarations(app.fastify);
  await app.fastify.ready();
  return {
    app,
    db,
    async addProject(input) {
      const created = await createProject(db, input);
      return {
        id: created.project.id,
        ingestKey: created.ingestKey.token,
        adminToken: created.adminToken.token,
      };
    },
    async close() {
      await app.close();
      await db.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
