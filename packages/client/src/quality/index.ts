/**
 * `@aftercall/client/quality`: measure a call's network and media quality (WebRTC `getStats()`) and send
 * the summary with the survey, so each rating can be read beside the network it was given on.
 *
 * @module
 */
export type { CallQualitySummary } from "@aftercall/schema";
export { createCallQuality } from "./collector.js";
export type { CallQualityCollector, CallQualityOptions, CallStatsSink } from "./types.js";
