import { randomBytes, timingSafeEqual } from "node:crypto";
import { sha256 } from "../sha256.js";
import type { ApiKeyKind } from "./project.js";

const PREFIX: Record<ApiKeyKind, string> = { ingest: "ac_pk_", admin: "ac_sk_" };

/** A new random token: `ac_pk_…` (publishable ingest key) or `ac_sk_…` (secret admin token). */
export function generateToken(kind: ApiKeyKind): string {
  return PREFIX[kind] + randomBytes(kind === "admin" ? 32 : 18).toString("base64url");
}

/** SHA-256 (hex) of a token. Tokens are 144–256 random bits, so a fast hash is enough; no salt needed. */
export function hashToken(token: string): string {
  return sha256(token, "hex");
}

/** The first characters shown in key lists, enough to recognise a key and never enough to use it. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 12);
}

/** The kind a token claims by its prefix, before it is looked up. */
export function tokenKind(token: string): ApiKeyKind | undefined {
  if (token.startsWith(PREFIX.ingest)) return "ingest";
  if (token.startsWith(PREFIX.admin)) return "admin";
  return undefined;
}

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A short random id with a readable prefix, e.g. `key_3f9a…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}
