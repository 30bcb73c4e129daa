/**
 * Tokens: a stored key is found again by the SHA-256 of the token presented, so the hash must stay
 * exactly the hex SHA-256 every store already holds; a token's kind is read from its prefix.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { generateToken, hashToken, tokenKind, tokenPrefix } from "../../src/projects/tokens.js";

describe("tokens", () => {
  it("hashes a token to the hex SHA-256 that stored keys were created with", () => {
    for (const token of [generateToken("ingest"), generateToken("admin"), "ac_pk_é✓"]) {
      assert.equal(hashToken(token), createHash("sha256").update(token).digest("hex"));
    }
    assert.equal(
      hashToken("abc"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "the SHA-256 test vector",
    );
  });

  it("reads the kind from the prefix, and shows only a prefix", () => {
    const ingest = generateToken("ingest");
    assert.equal(tokenKind(ingest), "ingest");
    assert.equal(tokenKind(generateToken("admin")), "admin");
    assert.equal(tokenKind("Bearer nonsense"), undefined);
    assert.equal(tokenPrefix(ingest), ingest.slice(0, 12));
    assert.ok(tokenPrefix(ingest).length < ingest.length);
  });
});
