/**
 * Where the server's secret key comes from: `AFTERCALL_SECRET_KEY` (base64 of 32 bytes), or the file
 * `AFTERCALL_SECRET_KEY_FILE` (default `<data dir>/secret.key`), created with 32 random bytes and mode
 * 0600 on first start. Servers sharing one PostgreSQL database must share the key.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SECRET_KEY_BYTES, SecretBox, SecretKeyError } from "./secret-box.js";

export interface SecretKeySource {
  /** The key itself, base64; wins over `file`. */
  key?: string;
  /** The key file, created when missing. */
  file: string;
}

/** Decode a key written as base64 (or base64url) of 32 bytes. */
export function decodeSecretKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, /[-_]/.test(trimmed) ? "base64url" : "base64");
  if (key.length !== SECRET_KEY_BYTES || !/^[A-Za-z0-9+/_-]+=*$/.test(trimmed))
    throw new SecretKeyError(`${origin} must hold the base64 of ${SECRET_KEY_BYTES} random bytes.`);
  return key;
}

/** A new random key as its file content. */
export function newSecretKeyText(): string {
  return `${randomBytes(SECRET_KEY_BYTES).toString("base64")}\n`;
}

/**
 * Read the key file, or create it (0600, in a 0700 directory when that is new) with a fresh key. A file
 * readable by others is narrowed to 0600.
 * @returns the key and whether this call created the file.
 */
export function readOrCreateKeyFile(file: string): { key: Buffer; created: boolean } {
  let created = false;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, newSecretKeyText(), { flag: "wx", mode: 0o600 });
    created = true;
  } catch (error) {
    // Another server may have created it a moment ago: read theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { key: decodeSecretKey(readFileSync(file, "utf8"), `The secret key file ${file}`), created };
}

/** The server's secret box, from the environment's key or the key file. */
export function loadSecretBox(source: SecretKeySource): { box: SecretBox; origin: string; created: boolean } {
  if (source.key !== undefined && source.key !== "")
    return {
      box: new SecretBox(decodeSecretKey(source.key, "AFTERCALL_SECRET_KEY")),
      origin: "AFTERCALL_SECRET_KEY",
      created: false,
    };
  const { key, created } = readOrCreateKeyFile(source.file);
  return { box: new SecretBox(key), origin: source.file, created };
}
