/** Background writers' batch sizes follow how long their batches take. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchSizer } from "../../src/store/batch-sizer.js";

describe("BatchSizer", () => {
  it("shrinks after a slow batch and grows after a fast one, at most halving or doubling", () => {
    const sizer = new BatchSizer(100, 10);
    sizer.took(40, 100);
    assert.equal(sizer.size, 50, "4× too slow: halved, not quartered");
    sizer.took(12.5, 50);
    assert.equal(sizer.size, 40);
    sizer.took(1, 40);
    assert.equal(sizer.size, 80, "10× too fast: doubled");
  });

  it("stays within its bounds", () => {
    const sizer = new BatchSizer(8, 10, 5, 20);
    sizer.took(100, 8);
    sizer.took(100, 5);
    assert.equal(sizer.size, 5);
    for (let i = 0; i < 5; i++) sizer.took(0, sizer.size);
    assert.equal(sizer.size, 20);
  });

  it("learns nothing from a batch that found fewer rows than asked", () => {
    const sizer = new BatchSizer(100, 10);
    sizer.took(1, 30);
    sizer.took(500, 99);
    assert.equal(sizer.size, 100);
  });
});
