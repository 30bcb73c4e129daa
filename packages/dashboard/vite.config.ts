import preact from "@preact/preset-vite";
import { defaultClientConditions, defineConfig } from "vite";

// A plain single-page app: index.html plus hashed files under /assets/, served by the server at `/`.
// No module-preload polyfill, so the page has no inline script and runs under `script-src 'self'`.
export default defineConfig({
  plugins: [preact()],
  // Workspace packages resolve to their TypeScript sources, so the bundle never depends on a stale dist.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
});
