import type { AnalyticsReads } from "../analytics/analytics-reads.js";
import type { DeliveryEngine } from "../delivery/delivery-engine.js";
import type { DeliveryMetrics } from "../delivery/delivery-metrics.js";
import type { DeliveryStore } from "../delivery/delivery-types.js";
import type { OutboundPolicy } from "../delivery/outbound-policy.js";
import type { IngestContext } from "../ingest/record-surveys.js";
import type { RateLimits } from "../limits/rate-limits.js";
import type { Project } from "../projects/project.js";
import type { Database } from "../store/database.js";
import type { StoreHealth } from "../store/store-health.js";
import type { Caller, KeyResolver } from "./auth.js";

/** What route handlers need, built once by `createApp`. */
export interface AppContext {
  db: Database;
  resolver: KeyResolver;
  ingest: IngestContext;
  /** Settings, cursors and the delivery log. */
  deliveryStore: DeliveryStore;
  /** Routes stored surveys to destinations; absent when delivery is turned off in this process. */
  delivery?: DeliveryEngine;
  metrics: DeliveryMetrics;
  /** How analytics read: rollups plus their raw tail where they can answer, or raw rows (comparisons). */
  analytics: AnalyticsReads;
  /** The server's outbound-address policy, for destinations' connections. */
  outbound: OutboundPolicy;
  /** Rate limits and daily quotas of the public routes. */
  limits: RateLimits;
  /** Whether the store can commit (`/readyz`), and the one-line-per-interval log of refused commits. */
  storeHealth: StoreHealth;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who called, set by the auth hook (`http/auth.ts`) before the body is read. */
    caller?: Caller;
    /** The project the request acts on, set by the auth hook for ingest and admin routes. */
    project?: Project;
    /** The ingest key of a submission (its rate budget), set by the auth hook. */
    ingestKeyId?: string;
    /** Project the request acted on, for the request log line. */
    projectId?: string;
    /** Surveys the request stored or replayed, for the request log line. */
    surveyCount?: number;
    /** Error code answered, for the request log line. */
    errorCode?: string;
  }
}
