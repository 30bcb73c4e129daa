/**
 * Directory destination: the archive layout (see archive-layout.ts) below a local directory. Lines are
 * appended and the file fsynced, and when a file or directory was created its parent directory too, before
 * a batch counts as delivered, so a power loss cannot take back a delivered record.
 */
import { constants } from "node:fs";
import { mkdir, open, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../destination.js";
import { DestinationLifecycle } from "./abort.js";
import { type ArchiveChunk, appendChunks } from "./archive-layout.js";
import type { DirectoryDestinationConfig } from "./directory-config.js";

export function createDirectoryDestination(config: DirectoryDestinationConfig): Destination {
  const lifecycle = new DestinationLifecycle("directory");
  return {
    type: "directory",
    async deliver(batch: DeliveryBatch, engineSignal: AbortSignal): Promise<void> {
      const signal = lifecycle.begin(engineSignal);
      await appendChunks(
        batch,
        signal,
        (chunk) => appendChunk(config.path, chunk),
        (error, chunk) => {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          return new DeliveryFailure(`could not write ${chunk.container}/${chunk.name}: ${code}`, true, {
            cause: error,
          });
        },
      );
    },
    async close(): Promise<void> {
      lifecycle.close();
    },
  };
}

async function appendChunk(root: string, chunk: ArchiveChunk): Promise<void> {
  const file = join(root, chunk.container, ...chunk.name.split("/"));
  await makeDirectories(dirname(file));
  if (chunk.whole) return replaceFile(file, chunk.text);
  const created = !(await exists(file));
  const handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
  try {
    const { size } = await handle.stat();
    try {
      await handle.writeFile(chunk.text, "utf8");
      await handle.sync();
    } catch (error) {
      // Cut a half-written append back off, so the retry does not leave a torn line in the middle.
      await handle.truncate(size).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
  if (created) await syncDirectory(dirname(file));
}

/** Write `file` whole: a temporary file, fsynced, renamed over it, and the directory fsynced. */
async function replaceFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  await syncDirectory(dirname(file));
}

/** `mkdir -p`, fsyncing the parent of every directory it created (their entries must survive too). */
async function makeDirectories(directory: string): Promise<void> {
  const first = await mkdir(directory, { recursive: true });
  if (first === undefined) return;
  // mkdir returns the first directory it created; every level from there down is new.
  let current = directory;
  const created: string[] = [];
  while (current.length >= first.length) {
    created.push(current);
    current = dirname(current);
  }
  for (const dir of created) await syncDirectory(dirname(dir));
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
