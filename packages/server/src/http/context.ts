import type { DeliveryEngine } from "../delivery/delivery-engine.js";
import type { DeliveryMetrics } from "../delivery/delivery-metrics.js";
import type { IngestContext } from "../ingest/record-surveys.js";
import type { Store } from "../store/store.js";
import type { KeyResolver } from "./auth.js";

/** What route handlers need, built once by `createApp`. */
export interface AppContext {
  store: Store;
  resolver: KeyResolver;
  ingest: IngestContext;
  /** Routes stored surveys to destinations; absent when delivery is turned off in this process. */
  delivery?: DeliveryEngine;
  metrics: DeliveryMetrics;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Project the request acted on, for the request log line. */
    projectId?: string;
    /** Surveys the request stored or replayed, for the request log line. */
    surveyCount?: number;
    /** Error code answered, for the request log line. */
    errorCode?: string;
  }
}
