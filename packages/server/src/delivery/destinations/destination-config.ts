// TEMPORARY stub until the destinations branch lands; replaced wholesale by the real module.
import { AftercallError } from "../../errors.js";
import type { DestinationType } from "../destination.js";

export type DestinationConfig = { type: DestinationType } & Record<string, unknown>;

export function parseDestinationConfig(input: unknown, path: string): DestinationConfig {
  if (typeof input !== "object" || input === null || typeof (input as { type?: unknown }).type !== "string")
    throw new AftercallError("VALIDATION_FAILED", `${path} must be an object with a type.`);
  return input as DestinationConfig;
}

export function publicDestinationConfig(config: DestinationConfig): Record<string, unknown> {
  return { type: config.type };
}

export function mergeDestinationSecrets(
  _previous: DestinationConfig | undefined,
  next: DestinationConfig,
): DestinationConfig {
  return next;
}
