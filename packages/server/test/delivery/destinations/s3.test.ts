import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeliveryFailure, type Destination } from "../../../src/delivery/destination.js";
import { createDestination } from "../../../src/delivery/destinations/create-destination.js";
import { parseDestinationConfig } from "../../../src/delivery/destinations/destination-config.js";
import {
  HOUR_13_NAME,
  HOUR_14_NAME,
  LATE_IN_13H,
  linesOf,
  noDeadline,
  surveyRecord,
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
const KEY_13 = `${PREFIX}insights-logs-callsurvey/${HOUR_13_NAME}`;
const KEY_14 = `${PREFIX}insights-logs-callsurvey/${HOUR_14_NAME}`;

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

  it("a batch spanning two hours lands in two PT1H.json objects with exactly its lines", async () => {
    const batch = twoHourBatch();
    await destination.deliver(batch, noDeadline());
    assert.deepEqual((await s3.listKeys()).sort(), [KEY_13, KEY_14]);
    const bodies = batch.records.map((r) => r.body);
    assert.deepEqual(linesOf(await s3.readObject(KEY_13)), bodies.slice(0, 3));
    assert.deepEqual(linesOf(await s3.readObject(KEY_14)), bodies.slice(3));
  });

  it("extends the hour object with later batches (read, concatenate, write)", async () => {
    const later = {
      ...twoHourBatch("s3:6-7"),
      records: [surveyRecord(6, LATE_IN_13H), surveyRecord(7, LATE_IN_13H)],
    };
    await destination.deliver(later, noDeadline());
    const lines = linesOf(await s3.readObject(KEY_13));
    assert.deepEqual(lines.slice(3), [surveyRecord(6, LATE_IN_13H).body, surveyRecord(7, LATE_IN_13H).body]);
    assert.equal(lines.length, 5);
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
      { ...twoHourBatch("s3:8-8"), records: [surveyRecord(8, LATE_IN_13H)] },
      noDeadline(),
    );
    const lines = linesOf(await s3.readObject(KEY_13));
    assert.equal(lines.length, 6);
    assert.deepEqual(lines[5], surveyRecord(8, LATE_IN_13H).body);
  });

  it("an aborted delivery writes nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("batch timeout"));
    const batch = { ...twoHourBatch("s3:9-9"), records: [surveyRecord(9, Date.UTC(2026, 10, 3, 1))] };
    await assert.rejects(destination.deliver(batch, controller.signal), {
      message: "delivery aborted (batch timeout)",
    });
    assert.equal((await s3.listKeys()).length, 2);
  });
});
