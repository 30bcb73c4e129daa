/**
 * Connect a destination from its config. Each adapter module is imported on demand, so the NATS, Azure and
 * AWS SDKs load only in servers that have a destination of that type.
 */
import type { Destination } from "../destination.js";
import type { DestinationConfig } from "./destination-config.js";

/** The destination of `config` (already validated by `parseDestinationConfig`). Connections open lazily. */
export async function createDestination(config: DestinationConfig): Promise<Destination> {
  switch (config.type) {
    case "stream":
      return (await import("./stream.js")).createStreamDestination(config);
    case "blob":
      return (await import("./blob.js")).createBlobDestination(config);
    case "s3":
      return (await import("./s3.js")).createS3Destination(config);
    case "directory":
      return (await import("./directory.js")).createDirectoryDestination(config);
    case "webhook":
      return (await import("./webhook.js")).createWebhookDestination(config);
  }
}
