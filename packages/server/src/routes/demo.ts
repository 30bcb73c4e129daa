import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoPage as demoRoute, widgetFile } from "@aftercall/api";
import type { FastifyInstance } from "fastify";
import { demoPage } from "../demo/demo-page.js";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";
import { getProject, listApiKeys } from "../projects/project-store.js";

/** The built widget bundle's directory: the @aftercall/widget package's dist. */
function widgetDir(): string {
  return dirname(fileURLToPath(import.meta.resolve("@aftercall/widget/bundle")));
}

/** The files of the widget bundle: the core script and its language chunks (`aftercall-widget-de.js`, …). */
const BUNDLE_FILE = /^aftercall-widget(-[a-z]{2})?\.js$/;

/** The survey widget bundle and the `/demo` page that uses it. */
export function demoRoutes(app: FastifyInstance, ctx: AppContext): void {
  const files = new Map<string, Promise<Buffer>>();
  handle(app, ctx, widgetFile, async ({ params, reply }) => {
    const { file } = params;
    if (!BUNDLE_FILE.test(file)) throw new AftercallError("NOT_FOUND", `There is no widget file "${file}".`);
    const body = files.get(file) ?? readFile(join(widgetDir(), file));
    files.set(file, body);
    try {
      return reply
        .header("content-type", "text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=300")
        .header("access-control-allow-origin", "*")
        .send(await body);
    } catch {
      files.delete(file);
      throw new AftercallError("NOT_FOUND", `The widget bundle has no "${file}"; run \`npm run build\`.`);
    }
  });

  // Only the project named "demo": the page is public and must not let anyone probe other project ids.
  handle(app, ctx, demoRoute, async ({ reply }) => {
    const project = await getProject(ctx.db, "demo");
    if (!project) throw new AftercallError("NOT_FOUND", 'There is no project "demo" on this server.');
    const ingest = (await listApiKeys(ctx.db, project.id)).find((k) => k.kind === "ingest" && !k.revokedAt);
    return reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(demoPage({ projectId: project.id, ingestKey: ingest?.token }));
  });
}
