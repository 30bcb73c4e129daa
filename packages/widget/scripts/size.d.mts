/** Sizes in bytes of a minified ESM bundle. */
export interface BundleSize {
  min: number;
  gzip: number;
}

export interface WidgetSize extends BundleSize {
  package: "@aftercall/widget";
  file: "dist/aftercall-widget.js";
  /** Brotli quality 11, for reference (the budget is gzip). */
  brotli: number;
  budgetGzip: number;
  withinBudget: boolean;
  /** lit-html, the client SDK and the widget's own code, each bundled alone (their sum exceeds the whole). */
  parts: { litHtml: BundleSize; client: BundleSize; widget: BundleSize };
}

export const BUDGET_GZIP_BYTES: number;
export function measureWidgetSize(): Promise<WidgetSize>;
