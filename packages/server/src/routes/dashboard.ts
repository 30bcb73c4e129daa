import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { dashboardAsset, dashboardPage } from "@aftercall/api";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findDashboardDir } from "../dashboard-files.js";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";

/**
 * The page may load only its own scripts, styles, fonts and images and talk only to this server; no inline
 * script, no framing. Charts and bars set sizes through the CSSOM (`element.style`), which `style-src`
 * does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json; charset=utf-8",
};

/** Vite's asset names: a name, a dash and an 8-character content hash (`index-B5lhyQWz.js`). */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.[A-Za-z0-9]+$/;
const HASHED = /-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;

const notBuilt = () =>
  new AftercallError("NOT_FOUND", "The dashboard is not built; run `npm run build` (or `npm start`).");

/** Whether a request prefers JSON to HTML (API clients and curl asking for JSON at `/`). */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", DASHBOARD_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY");
}

/**
 * The analytics dashboard (a static single-page app) at `/`, its hashed files under `/assets/`; `/` still
 * answers JSON service information to clients that ask for JSON.
 */
export function dashboardRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  root: string = findDashboardDir(),
): void {
  handle(app, ctx, dashboardPage, async ({ request, reply }) => {
    if (wantsJson(request))
      return { name: "Aftercall", dashboard: "/", docs: "/openapi.json", health: "/healthz" };
    // Read on every request (it is tiny): a rebuild while the server runs must not leave it pointing at
    // assets that no longer exist.
    try {
      const body = await readFile(join(root, "index.html"));
      return securityHeaders(reply)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-cache")
        .send(body);
    } catch {
      throw notBuilt();
    }
  });

  handle(app, ctx, dashboardAsset, async ({ params, reply }) => {
    const { name } = params;
    const type = CONTENT_TYPES[extname(name)];
    // Only plain file names of known types: no path separators, no dot-dot, nothing outside assets/.
    if (!ASSET_NAME.test(name) || !type) throw new AftercallError("NOT_FOUND", `No dashboard asset ${name}.`);
    let body: Buffer;
    try {
      body = await readFile(join(root, "assets", name));
    } catch {
      throw new AftercallError(
        "NOT_FOUND",
        `No dashboard asset ${name}; is the dashboard built (npm run build)?`,
      );
    }
    return securityHeaders(reply)
      .header("content-type", type)
      .header("cache-control", HASHED.test(name) ? "public, max-age=31536000, immutable" : "no-cache")
      .send(body);
  });
}
