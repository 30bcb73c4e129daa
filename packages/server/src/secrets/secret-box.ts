/**
 * Secrets at rest: destination configurations (which hold tokens, passwords, keys and connection strings)
 * are stored sealed with AES-256-GCM under a server key that lives outside the database (a file or an
 * environment variable). A copy of the database alone reveals no secret.
 *
 * Sealed text: `aftercall-sealed:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url parts). The key id is
 * the first 16 hex digits of SHA-256 over the key, so a store opened with another key fails with a message
 * naming both ids instead of decrypting to garbage.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PREFIX = "aftercall-sealed:v1:";
/** AES-256 key length. */
export const SECRET_KEY_BYTES = 32;

/** A key that cannot open what the store holds (another key, or a tampered value). Never caught silently. */
export class SecretKeyError extends Error {
  override readonly name = "SecretKeyError";
}

/** Seals and opens text with one AES-256-GCM key. */
export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES)
      throw new SecretKeyError(`A secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}.`);
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(key);
  }

  /** Whether `text` is sealed (as opposed to the clear JSON of stores from before sealing). */
  static isSealed(text: string): boolean {
    return text.startsWith(PREFIX);
  }

  /** The key id `text` was sealed with, or undefined for clear text. */
  static sealedWith(text: string): string | undefined {
    return SecretBox.isSealed(text) ? text.slice(PREFIX.length).split(":")[0] : undefined;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString("base64url"));
    return `${PREFIX}${this.keyId}:${parts.join(":")}`;
  }

  /** @throws SecretKeyError when `sealed` was sealed with another key, or does not authenticate. */
  open(sealed: string): string {
    const [keyId, iv, tag, data] = sealed.slice(PREFIX.length).split(":");
    if (!SecretBox.isSealed(sealed) || !iv || !tag || data === undefined)
      throw new SecretKeyError("A stored secret is not in the sealed format.");
    if (keyId !== this.keyId)
      throw new SecretKeyError(
        `Stored secrets were sealed with key ${keyId}, but this server's key is ${this.keyId}. ` +
          "Start with the key the store was sealed with (AFTERCALL_SECRET_KEY_FILE or AFTERCALL_SECRET_KEY).",
      );
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new SecretKeyError(`A stored secret sealed with key ${keyId} does not authenticate (altered?).`);
    }
  }
}

export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}
