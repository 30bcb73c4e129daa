import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { demoPage } from "../demo/demo-page.js";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";

/** Where the built widget bundle lives: the @aftercall/widget package's dist. */
function widgetBundlePath(): string {
  return fileURLToPath(import.meta.resolve("@aftercall/widget/bundle"));
}

/** The survey widget bundle and the `/demo` page that uses it. */
export function demoRoutes(app: FastifyInstance, ctx: AppContext): void {
  let bundle: Promise<Buffer> | undefined;
  app.get("/widget/aftercall-widget.js", async (_request, reply) => {
    bundle ??= readFile(widgetBundlePath());
    try {
      const body = await bundle;
      return reply
        .header("content-type", "text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=300")
        .header("access-control-allow-origin", "*")
        .send(body);
    } catch {
      bundle = undefined;
      throw new AftercallError("NOT_FOUND", "The widget bundle is not built; run `npm run build`.");
    }
  });

  // Only the project named "demo": the page is public and must not let anyone probe other project ids.
  app.get("/demo", async (_request, reply) => {
    const project = await ctx.store.getProject("demo");
    if (!project) throw new AftercallError("NOT_FOUND", 'There is no project "demo" on this server.');
    const ingest = (await ctx.store.listApiKeys(project.id)).find((k) => k.kind === "ingest" && !k.revokedAt);
    return reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(demoPage({ projectId: project.id, ingestKey: ingest?.token }));
  });
}
