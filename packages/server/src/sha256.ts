import * as crypto from "node:crypto";

/**
 * SHA-256 of a string, hex or base64url. One-shot `crypto.hash` where available (Node ≥ 20.12), else a
 * Hash object: the same digest. For the hot paths: every key lookup and every survey's content hash.
 */
export const sha256: (text: string, encoding: "hex" | "base64url") => string =
  typeof crypto.hash === "function"
    ? (text, encoding) => crypto.hash("sha256", text, encoding)
    : (text, encoding) => crypto.createHash("sha256").update(text).digest(encoding);
