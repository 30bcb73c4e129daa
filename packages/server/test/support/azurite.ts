/**
 * Throwaway Azurite blob services (Microsoft's Azure Storage emulator, a real HTTP server speaking the Blob
 * REST API) for tests: `azurite-blob` from the `azurite` dev dependency on a free port of 127.0.0.1, with
 * telemetry disabled and its data in a temp directory, so it survives `stop()`/`start()` on the same port
 * (outage tests). azurite 3.35.0 is the last release that runs on Node 20.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { freePort } from "./postgres.js";
import { ServiceProcess, skipUnless } from "./service-process.js";

/** Azurite's documented development account. These are public constants of the emulator, not secrets. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteServer {
  port: number;
  /** Connection string of the development account on this server. */
  connectionString: string;
  /** The server process (stop, kill, start again on the same port; its log). */
  process: ServiceProcess;
  /** Text of a blob, or undefined when it does not exist. */
  readBlob(container: string, name: string): Promise<string | undefined>;
  /** Names of the blobs of a container (empty when the container does not exist). */
  listBlobs(container: string): Promise<string[]>;
  /** Stop the server and delete its data directory. Safe to call twice. */
  dispose(): Promise<void>;
}

function azuriteMain(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve("azurite/package.json");
    return join(dirname(manifest), "dist", "src", "blob", "main.js");
  } catch {
    return undefined;
  }
}

/** For `describe(name, { skip: azuriteSkip() })`: false, or why Azurite tests cannot run (throws in CI). */
export function azuriteSkip(): string | false {
  return skipUnless(azuriteMain() !== undefined, "the azurite dev dependency is not installed (npm install)");
}

/** Start azurite-blob on a free port of 127.0.0.1 with a fresh data directory. */
export async function startAzurite(): Promise<AzuriteServer> {
  const main = azuriteMain();
  if (!main) throw new Error("azurite is not installed; check azuriteSkip() first");
  const location = await mkdtemp(join(tmpdir(), "aftercall-azurite-"));
  const port = await freePort();
  const process = new ServiceProcess({
    name: "azurite-blob",
    command: globalThis.process.execPath,
    args: [
      main,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--location",
      location,
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
    ],
    port,
  });
  try {
    await process.start();
  } catch (error) {
    await rm(location, { recursive: true, force: true });
    throw error;
  }
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
  const service = () => BlobServiceClient.fromConnectionString(connectionString);
  let disposed = false;
  return {
    port,
    connectionString,
    process,
    async readBlob(container, name) {
      const blob = service().getContainerClient(container).getBlobClient(name);
      if (!(await blob.exists())) return undefined;
      return (await blob.downloadToBuffer()).toString("utf8");
    },
    async listBlobs(container) {
      const client = service().getContainerClient(container);
      if (!(await client.exists())) return [];
      const names: string[] = [];
      for await (const item of client.listBlobsFlat()) names.push(item.name);
      return names;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await process.stop();
      await rm(location, { recursive: true, force: true });
    },
  };
}
