// TEMPORARY stub until the destinations branch lands; replaced wholesale by the real module.
import type { Destination } from "../destination.js";
import type { DestinationConfig } from "./destination-config.js";

export async function createDestination(config: DestinationConfig): Promise<Destination> {
  throw new Error(`destination type ${config.type} is not available yet`);
}
