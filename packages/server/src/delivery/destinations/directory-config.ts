/** Configuration of the local directory destination ({@link ./directory.ts}). */
import { isAbsolute, normalize } from "node:path";
import { type DestinationConfigRules, invalid, readObject, readString } from "./config-fields.js";

/** A local directory, the same layout as blob below `path`, fsynced before a batch counts as delivered. */
export interface DirectoryDestinationConfig {
  type: "directory";
  /** Absolute path. */
  path: string;
}

export const directoryConfigRules: DestinationConfigRules<
  DirectoryDestinationConfig,
  DirectoryDestinationConfig
> = {
  parse(input, path) {
    const o = readObject(input, path, ["type", "path"]);
    const directory = readString(o, "path", path, 1024);
    if (!isAbsolute(directory)) invalid(`${path}.path`, "must be an absolute path");
    return { type: "directory", path: normalize(directory) };
  },
  // No secrets, and it connects to no host.
  secretTarget: () => null,
  keptSecrets: () => [],
  toPublic: (config) => ({ ...config }),
  hosts: () => [],
};
