import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BrowserContext } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Bundle `source` (a module written as an app would, importing npm packages and workspace sources) into
 * one script for the browser, the way an app's bundler would.
 */
export async function bundleForBrowser(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "ts", sourcefile: "harness-entry.ts" },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    conditions: ["source"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]?.text ?? "";
}

/**
 * Serve a test page with its script on 127.0.0.1. The page's URL names the host `localhost`, a secure
 * context without TLS (WebRTC, `crypto.randomUUID` and the ACS Calling SDK need one).
 */
export async function servePage(script: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url === "/harness.js") {
      response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else if (request.url === "/") {
      response
        .writeHead(200, { "content-type": "text/html" })
        .end(
          '<!doctype html><html lang="en"><title>harness</title><script src="/harness.js"></script></html>',
        );
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Abort every request that would leave the machine (SDKs phone home); returns the hosts refused. */
export async function keepOnLoopback(context: BrowserContext): Promise<Set<string>> {
  const refused = new Set<string>();
  await context.route("**/*", (route) => {
    const { protocol, hostname } = new URL(route.request().url());
    const loopback = hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
    if (loopback || protocol === "data:" || protocol === "blob:") return route.continue();
    refused.add(hostname);
    return route.abort("internetdisconnected");
  });
  return refused;
}
