/**
 * Connect a destination from its config. Each adapter module is imported on demand, so the NATS, Azure and
 * AWS SDKs load only in servers that have a destination of that type. They are optional peer dependencies
 * of the published package: a server without one still starts, and configuring or delivering to a
 * destination of that type fails with a message that says what to install.
 */
import { AftercallError } from "../../errors.js";
import { DeliveryFailure, type Destination, type DestinationType } from "../destination.js";
import type { OutboundPolicy } from "../outbound-policy.js";
import type { DestinationConfig } from "./destination-config.js";

/** The optional SDK packages each destination type needs (the others need only Node). */
export const DESTINATION_SDKS: Readonly<Partial<Record<DestinationType, readonly string[]>>> = {
  stream: ["@nats-io/transport-node", "@nats-io/jetstream"],
  blob: ["@azure/storage-blob"],
  s3: ["@aws-sdk/client-s3"],
};

/** How to install a type's SDKs, for the error messages. */
function installHint(type: DestinationType, missing: readonly string[]): string {
  return (
    `The ${type} destination needs ${missing.join(" and ")}, which ${missing.length > 1 ? "are" : "is"} not ` +
    `installed on this server (an optional dependency of @aftercall/server). Install it next to the server: ` +
    `npm install ${missing.join(" ")}`
  );
}

/** The SDK packages of `type` that cannot be resolved from this server. */
export function missingSdks(type: DestinationType): string[] {
  return (DESTINATION_SDKS[type] ?? []).filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Refuse to configure destinations whose SDK is not installed, before anything is stored.
 * @throws AftercallError `VALIDATION_FAILED` naming the type and the packages to install.
 */
export function requireDestinationSdks(types: readonly string[]): void {
  for (const type of types as DestinationType[]) {
    const missing = missingSdks(type);
    if (missing.length > 0)
      throw new AftercallError("VALIDATION_FAILED", `destinations.${type}: ${installHint(type, missing)}`);
  }
}

/**
 * The destination of `config` (already validated by `parseDestinationConfig`). Connections open lazily,
 * each through `outbound`, the server's outbound-address policy.
 */
export async function createDestination(
  config: DestinationConfig,
  outbound: OutboundPolicy,
): Promise<Destination> {
  // Checked here too: a setting stored before the SDK was removed must fail with the hint, not a stack.
  const missing = missingSdks(config.type);
  if (missing.length > 0) throw new DeliveryFailure(installHint(config.type, missing));
  switch (config.type) {
    case "stream":
      return (await import("./stream.js")).createStreamDestination(config, outbound);
    case "blob":
      return (await import("./blob.js")).createBlobDestination(config, outbound);
    case "s3":
      return (await import("./s3.js")).createS3Destination(config, outbound);
    case "directory":
      return (await import("./directory.js")).createDirectoryDestination(config);
    case "webhook":
      return (await import("./webhook.js")).createWebhookDestination(config, outbound);
  }
}
