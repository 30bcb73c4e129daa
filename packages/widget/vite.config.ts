import { defaultClientConditions, defineConfig, type Plugin } from "vite";
import { TERSER_OPTIONS } from "../../scripts/terser-options.mjs";

type Node = { type: string; start: number; end: number; [key: string]: unknown };

/** Collapse the indentation of a lit-html template: none next to a tag, one space elsewhere. */
const minifyHtml = (text: string) =>
  text.replace(/\s*\n\s*/g, (run, offset: number, all: string) =>
    all[offset - 1] === ">" || all[offset + run.length] === "<" ? "" : " ",
  );

/** Drop comments and indentation of CSS, and the spaces around braces, semicolons and commas. */
const minifyCss = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([{};,])\s*/g, "$1")
    .replace(/: /g, ":")
    .replace(/([ :(,])0\./g, "$1.")
    .replace(/;}/g, "}");

/**
 * Minify the widget's own templates, which the JS minifier leaves alone: whitespace in `html`-tagged
 * templates, and the CSS template literals of `styles.ts`. Works on the AST, so nested templates and
 * `${…}` expressions are untouched.
 */
function minifyTemplates(): Plugin {
  return {
    name: "aftercall:minify-templates",
    enforce: "post",
    transform(code, id) {
      if (!id.includes("/packages/widget/src/")) return null;
      const css = id.endsWith("/styles.ts");
      const edits: [number, number, string][] = [];
      const visit = (node: unknown): void => {
        if (!node || typeof node !== "object") return;
        if (Array.isArray(node)) {
          for (const child of node) visit(child);
          return;
        }
        const n = node as Node;
        const literal =
          n.type === "TaggedTemplateExpression" && (n.tag as { name?: string }).name === "html"
            ? (n.quasi as Node)
            : css && n.type === "TemplateLiteral"
              ? n
              : undefined;
        for (const q of (literal?.quasis as Node[] | undefined) ?? []) {
          const raw = code.slice(q.start, q.end);
          edits.push([q.start, q.end, css ? minifyCss(raw) : minifyHtml(raw)]);
        }
        for (const key in n) if (key !== "type") visit(n[key]);
      };
      visit(this.parse(code));
      if (edits.length === 0) return null;
      edits.sort((a, b) => b[0] - a[0]);
      let out = code;
      for (const [start, end, text] of edits) out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}

// The one-file bundle for `<script type="module">`: the element, lit-html and the client SDK, minified.
// tsc writes the package's own modules to the same dist/, so it is not emptied here. Workspace packages
// resolve to their TypeScript sources ("source" condition), so the bundle never depends on a stale dist.
export default defineConfig({
  plugins: [minifyTemplates()],
  resolve: { conditions: ["source", ...defaultClientConditions] },
  build: {
    lib: { entry: "src/index.ts", formats: ["es"], fileName: () => "aftercall-widget.js" },
    outDir: "dist",
    emptyOutDir: false,
    target: "es2022",
    // terser, then rolldown's own minifier over its output: 14,183 B min+gzip, against 14,332 B for
    // rolldown's alone and 14,338 B for terser alone.
    minify: "terser",
    terserOptions: TERSER_OPTIONS,
    // Library mode keeps whitespace and pure annotations in ES output for downstream tree-shaking; this
    // file is the end product, so minify it fully.
    // Languages other than English are chunks next to the bundle (`aftercall-widget-de.js`, …), which
    // `import()` finds relative to it.
    rolldownOptions: {
      output: { minify: true, comments: false, chunkFileNames: "aftercall-widget-[name].js" },
    },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
