/** Sealing: round trip, a fresh IV each time, another key or an altered value fails loudly. */
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SecretBox, SecretKeyError } from "../../src/secrets/secret-box.js";
import { loadSecretBox, readOrCreateKeyFile } from "../../src/secrets/secret-key.js";

describe("SecretBox", () => {
  const box = new SecretBox(Buffer.alloc(32, 1));
  const other = new SecretBox(Buffer.alloc(32, 2));

  it("seals and opens; the same text seals differently each time", () => {
    const a = box.seal('{"token":"t"}');
    assert.notEqual(a, box.seal('{"token":"t"}'));
    assert.ok(SecretBox.isSealed(a) && !a.includes("token"));
    assert.equal(SecretBox.sealedWith(a), box.keyId);
    assert.equal(box.open(a), '{"token":"t"}');
  });

  it("refuses another key, naming both ids, and an altered value", () => {
    const sealed = box.seal("x");
    assert.throws(
      () => other.open(sealed),
      (e: unknown) =>
        e instanceof SecretKeyError && e.message.includes(box.keyId) && e.message.includes(other.keyId),
    );
    const parts = sealed.split(":");
    parts[5] = Buffer.from("y").toString("base64url");
    assert.throws(() => box.open(parts.join(":")), SecretKeyError);
    assert.throws(() => new SecretBox(Buffer.alloc(16)), SecretKeyError);
  });

  it("creates the key file 0600 once, narrows a loose one, and rejects a malformed key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aftercall-key-"));
    try {
      const file = join(dir, "sub", "secret.key");
      const first = readOrCreateKeyFile(file);
      assert.equal(first.created, true);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, "sub"))).mode & 0o777, 0o700);
      const again = readOrCreateKeyFile(file);
      assert.equal(again.created, false);
      assert.deepEqual(again.key, first.key);
      await writeFile(file, Buffer.alloc(32, 5).toString("base64"), { mode: 0o644 });
      readOrCreateKeyFile(file);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      await writeFile(join(dir, "bad.key"), "not a key");
      assert.throws(() => readOrCreateKeyFile(join(dir, "bad.key")), SecretKeyError);
      assert.throws(() => loadSecretBox({ key: "c2hvcnQ=", file }), /AFTERCALL_SECRET_KEY/);
      assert.equal(
        loadSecretBox({ key: Buffer.alloc(32, 5).toString("base64"), file: "" }).origin,
        "AFTERCALL_SECRET_KEY",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
