import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, createApp } from "../../src/app.js";
import { createLogger } from "../../src/logger.js";
import { type CreateProjectInput, createProject } from "../../src/projects/manage-projects.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

export const OPERATOR_TOKEN = "operator-token-for-tests-0123456789";

export interface TestProject {
  id: string;
  ingestKey: string;
  adminToken: string;
}

/** An in-process app on a fresh SQLite store, silent, with an operator token. */
export async function startTestApp(
  options: { store?: Store; now?: () => Date; dashboardDir?: string } = {},
): Promise<{
  app: App;
  store: Store;
  addProject(input: CreateProjectInput): Promise<TestProject>;
  close(): Promise<void>;
}> {
  const dir = options.store ? undefined : await mkdtemp(join(tmpdir(), "aftercall-http-"));
  const store = options.store ?? new SqliteStore(dir as string);
  const app = createApp({
    store,
    logger: createLogger("silent"),
    operatorToken: OPERATOR_TOKEN,
    keyCacheSeconds: 0,
    ...(options.now ? { now: options.now } : {}),
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
  });
  await app.fastify.ready();
  return {
    app,
    store,
    async addProject(input) {
      const created = await createProject(store, input);
      return {
        id: created.project.id,
        ingestKey: created.ingestKey.token,
        adminToken: created.adminToken.token,
      };
    },
    async close() {
      await app.close();
      await store.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A valid survey with a fresh id; override any field. */
export function survey(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    id: crypto.randomUUID(),
    callId: `call-${counter}`,
    participantId: `participant-${counter}`,
    clientTime: "2026-11-23T10:15:00.000Z",
    overallRating: { score: 4 },
    ...overrides,
  };
}
