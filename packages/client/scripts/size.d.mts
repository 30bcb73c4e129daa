/** Sizes in bytes of a minified ESM bundle, raw and gzip level 9. */
export interface BundleSize {
  min: number;
  gzip: number;
}

export interface ClientSize extends BundleSize {
  package: "@aftercall/client";
  budgetGzip: number;
  withinBudget: boolean;
  /** The client's own code (schema external), and the schema values it imports, each bundled alone. */
  parts: { client: BundleSize; schema: BundleSize & { imports: string[] } };
}

export const BUDGET_GZIP_BYTES: number;
export function measureClientSize(): Promise<ClientSize>;

export interface QualitySize extends BundleSize {
  package: "@aftercall/client/quality" | "@aftercall/client/quality-aware";
  budgetGzip: number;
  withinBudget: boolean;
}

export const QUALITY_BUDGET_GZIP_BYTES: number;
export const QUALITY_AWARE_BUDGET_GZIP_BYTES: number;
export function measureQualitySize(): Promise<QualitySize[]>;
