/**
 * The tarpit: a client address that honours `Retry-After` is never held; one that comes back before its
 * wait passed is held for between half and all of `holdMs` (never past the wait it was told); past
 * `maxHeld` refusals are answered at once; and the addresses it remembers are bounded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tarpit } from "../../src/limits/tarpit.js";

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("Tarpit", () => {
  it("answers a first refusal at once, and holds the next one that comes before Retry-After", () => {
    const time = clock();
    const tarpit = new Tarpit({ holdMs: 1000, now: time.now, random: () => 0.999 });
    assert.equal(tarpit.holdFor("203.0.113.1", 5), 0);
    time.advance(100);
    assert.ok(Math.abs(tarpit.holdFor("203.0.113.1", 5) - 999.5) < 1e-9);
  });

  it("never holds a client that waited as long as it was told", () => {
    const time = clock();
    const tarpit = new Tarpit({ holdMs: 1000, now: time.now });
    assert.equal(tarpit.holdFor("203.0.113.1", 2), 0);
    time.advance(2000);
    assert.equal(tarpit.holdFor("203.0.113.1", 2), 0);
    time.advance(2500);
    assert.equal(tarpit.holdFor("203.0.113.1", 2), 0);
  });

  it("holds between half and all of holdMs, at random, and never past the wait it was told", () => {
    const time = clock();
    const low = new Tarpit({ holdMs: 800, now: time.now, random: () => 0 });
    low.holdFor("a", 10);
    assert.equal(low.holdFor("a", 10), 400);
    const short = new Tarpit({ holdMs: 800, now: time.now, random: () => 0.5 });
    short.holdFor("a", 1);
    time.advance(900);
    assert.equal(short.holdFor("a", 1), 100, "100 ms of the 1 s wait were left");
  });

  it("keeps addresses apart", () => {
    const tarpit = new Tarpit({ holdMs: 1000, now: clock().now });
    tarpit.holdFor("203.0.113.1", 5);
    assert.ok(tarpit.holdFor("203.0.113.1", 5) > 0);
    assert.equal(tarpit.holdFor("203.0.113.2", 5), 0);
  });

  it("holds nothing with holdMs 0", () => {
    const tarpit = new Tarpit({ holdMs: 0, now: clock().now });
    tarpit.holdFor("a", 5);
    assert.equal(tarpit.holdFor("a", 5), 0);
  });

  it("answers at once past maxHeld refusals held, and counts what it holds", async () => {
    const tarpit = new Tarpit({ holdMs: 60, maxHeld: 2, random: () => 1 });
    tarpit.holdFor("a", 5);
    const first = tarpit.hold(tarpit.holdFor("a", 5));
    const second = tarpit.hold(tarpit.holdFor("a", 5));
    assert.equal(tarpit.holding, 2);
    assert.equal(tarpit.holdFor("a", 5), 0, "a third is not held");
    await Promise.all([first, second]);
    assert.equal(tarpit.holding, 0);
    assert.ok(tarpit.holdFor("a", 5) > 0, "room again");
  });

  it("forgets addresses whose wait passed when it remembers too many, so memory stays bounded", () => {
    const time = clock();
    const tarpit = new Tarpit({ holdMs: 1000, now: time.now });
    for (let i = 0; i < 100_000; i++) tarpit.holdFor(`old-${i}`, 1);
    time.advance(2000);
    tarpit.holdFor("new", 5);
    assert.ok(tarpit.holdFor("new", 5) > 0, "the new address is remembered");
    assert.equal(tarpit.holdFor("old-1", 1), 0, "an old one was forgotten (its wait had passed anyway)");
  });
});
