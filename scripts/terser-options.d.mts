import type { MinifyOptions } from "terser";

/** The terser settings of every shipped bundle (see terser-options.mjs). */
export declare const TERSER_OPTIONS: MinifyOptions;
