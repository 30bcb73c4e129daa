import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeliveryFailure, type Destination } from "../../../src/delivery/destination.js";
import { createDestination } from "../../../src/delivery/destinations/create-destination.js";
import { parseDestinationConfig } from "../../../src/delivery/destinations/destination-config.js";
import {
  HOUR_13_PREFIX,
  HOUR_14_PREFIX,
  LATE_IN_13H,
  linesOf,
  noDeadline,
  surveyRecord,
  tombstoneRecord,
  twoHourBatch,
} from "../../support/delivery-batch.js";
import { TEST_OUTBOUND } from "../../support/outbound.js";
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  type S3rverServer,
  s3rverSkip,
  startS3rver,
} from "../../support/s3rver.js";

const PREFIX = "archive/";
const HOUR_13 = `${PREFIX}insights-logs-callsurvey/${HOUR_13_PREFIX}/`;
const HOUR_14 = `${PREFIX}insights-logs-callsurvey/${HOUR_14_PREFIX}/`;
const part = (first: number, last: number) =>
  `part-${String(first).padStart(20, "0")}-${String(last).padStart(20, "0")}.json`;

describe("s3 destination (s3rver)", { skip: s3rverSkip() }, () => {
  let s3: S3rverServer;
  let destination: Destination;

  const config = (bucket: string) =>
    parseDestinationConfig(
      {
        type: "s3",
        endpoint: s3.endpoint,
        region: "us-east-1",
        bucket,
        accessKeyId: S3RVER_ACCESS_KEY_ID,
        secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
        prefix: PREFIX,
      },
      "destinations.s3",
    );

  before(async () => {
    s3 = await startS3rver();
    destination = await createDestination(config(s3.bucket), TEST_OUTBOUND);
  });
  after(async () => {
    await destination?.close();
    await s3?.dispose();
  });

  /** Every line of an hour, reading its objects in name order. */
  const hourLines = async (hour: string) => {
    const keys = (await s3.listKeys()).filter((k) => k.startsWith(hour)).sort();
    return (await Promise.all(keys.map((k) => s3.readObject(k)))).flatMap(linesOf);
  };

  it("a batch spanning two hours is one object per hour, below each hour's prefix, named after its log range", async () => {
    const batch = twoHourBatch();
    await destination.deliver(batch, noDeadline());
    assert.deepEqual((await s3.listKeys()).sort(), [`${HOUR_13}${part(1, 5)}`, `${HOUR_14}${part(1, 5)}`]);
    const bodies = batch.records.map((r) => r.body);
    assert.deepEqual(linesOf(await s3.readObject(`${HOUR_13}${part(1, 5)}`)), bodies.slice(0, 3));
    assert.deepEqual(linesOf(await s3.readObject(`${HOUR_14}${part(1, 5)}`)), bodies.slice(3));
  });

  it("a later batch of the hour is a new object (nothing read or rewritten); a retry replaces its own", async () => {
    const later = {
      ...twoHourBatch("s3:6-7"),
      records: [surveyRecord(6, LATE_IN_13H), surveyRecord(7, LATE_IN_13H)],
    };
    await destination.deliver(later, noDeadline());
    await destination.deliver(later, noDeadline());
    const lines = await hourLines(HOUR_13);
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.slice(3), [surveyRecord(6, LATE_IN_13H).body, surveyRecord(7, LATE_IN_13H).body]);
  });

  it("an erasure's tombstone is a manifest object beside the hour objects", async () => {
    const tombstone = tombstoneRecord("er-1", LATE_IN_13H, ["a", "b"]);
    await destination.deliver({ ...twoHourBatch("s3:8-8"), records: [tombstone] }, noDeadline());
    const key = `${PREFIX}insights-logs-callsurveydeleted/${HOUR_13_PREFIX}/erasure-er-1.json`;
    assert.deepEqual(linesOf(await s3.readObject(key)), [tombstone.body]);
  });

  it("names a missing bucket", async () => {
    const missing = await createDestination(config("no-such-bucket"), TEST_OUTBOUND);
    await assert.rejects(missing.deliver(twoHourBatch(), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.match(
        error.message,
        /^S3 answered HTTP 404 NoSuchBucket \(bucket no-such-bucket does not exist\) writing archive\//,
      );
      return true;
    });
    await missing.close();
  });

  it("server down: retryable failure; after a restart on the same port, delivered and nothing lost", async () => {
    await s3.process.stop();
    await assert.rejects(destination.deliver(twoHourBatch("s3:down"), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        /^S3 unreachable \(ECONNREFUSED\) writing archive\/insights-logs-callsurvey\//,
      );
      assert.ok(!error.message.includes(S3RVER_SECRET_ACCESS_KEY));
      return true;
    });
    await s3.process.start();
    await destination.deliver(
      { ...twoHourBatch("s3:9-9"), records: [surveyRecord(9, LATE_IN_13H)] },
      noDeadline(),
    );
    const lines = await hourLines(HOUR_13);
    assert.equal(lines.length, 6);
    assert.deepEqual(lines[5], surveyRecord(9, LATE_IN_13H).body);
  });

  it("an aborted delivery writes nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("batch timeout"));
    const before = (await s3.listKeys()).length;
    const batch = { ...twoHourBatch("s3:10-10"), records: [surveyRecord(10, Date.UTC(2026, 10, 3, 1))] };
    await assert.rejects(destination.deliver(batch, controller.signal), {
      message: "delivery aborted (batch timeout)",
    });
    assert.equal((await s3.listKeys()).length, before);
  });
});
