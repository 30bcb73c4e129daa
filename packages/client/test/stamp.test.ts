import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { validateSurvey } from "@aftercall/schema";
import fc from "fast-check";
import { now, uuid } from "../src/ids.js";

// The SDK validates with validateStampedSurvey, which leaves out the formats of `id` and `clientTime`
// because it stamps both itself. These tests are why that is safe: every stamp it can make passes the
// server's full validateSurvey.

/** A minimal valid survey with this stamp. */
const stamped = (id: string, clientTime: string) => ({
  id,
  callId: "c-1",
  participantId: "p-1",
  clientTime,
  overallRating: { score: 3 },
});

describe("the stamp the SDK puts on a survey", () => {
  const randomUUID = crypto.randomUUID;
  afterEach(() => {
    crypto.randomUUID = randomUUID;
  });

  it("has an id the server accepts, from crypto.randomUUID", () => {
    for (let i = 0; i < 500; i++) assert.ok(validateSurvey(stamped(uuid(), now())).ok);
  });

  it("has an id the server accepts without crypto.randomUUID (plain-HTTP pages)", () => {
    // @ts-expect-error: absent outside secure contexts
    crypto.randomUUID = undefined;
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const id = uuid();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(validateSurvey(stamped(id, now())).ok, id);
      ids.add(id);
    }
    assert.equal(ids.size, 500);
  });

  it("has a clientTime the server accepts for any device clock from year 0 to 9999", () => {
    const id = uuid();
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0000-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        (date) => {
          const clientTime = date.toISOString(); // exactly what now() does with the device clock
          assert.ok(validateSurvey(stamped(id, clientTime)).ok, clientTime);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
