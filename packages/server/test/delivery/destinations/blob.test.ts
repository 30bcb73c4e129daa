import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient } from "@azure/storage-blob";
import { DeliveryFailure, type Destination } from "../../../src/delivery/destination.js";
import { MAX_APPEND_BYTES } from "../../../src/delivery/destinations/blob.js";
import { createDestination } from "../../../src/delivery/destinations/create-destination.js";
import { type AzuriteServer, azuriteSkip, startAzurite } from "../../support/azurite.js";
import {
  HOUR_13_NAME,
  HOUR_13_PREFIX,
  HOUR_14_NAME,
  LATE_IN_13H,
  linesOf,
  noDeadline,
  START_OF_14H,
  surveyRecord,
  TEST_RESOURCE_ID,
  tombstoneRecord,
  twoHourBatch,
} from "../../support/delivery-batch.js";
import { TEST_OUTBOUND } from "../../support/outbound.js";

const CONTAINER = "insights-logs-callsurvey";

describe("blob destination (Azurite)", { skip: azuriteSkip() }, () => {
  let azurite: AzuriteServer;
  let destination: Destination;

  before(async () => {
    azurite = await startAzurite();
    destination = await createDestination(
      { type: "blob", connectionString: azurite.connectionString },
      TEST_OUTBOUND,
    );
  });
  after(async () => {
    await destination?.close();
    await azurite?.dispose();
  });

  const blob = (name: string) =>
    BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(CONTAINER)
      .getBlobClient(name);

  it("a batch spanning two hours lands in two PT1H.json append blobs with exactly its lines", async () => {
    const batch = twoHourBatch();
    await destination.deliver(batch, noDeadline());
    assert.deepEqual((await azurite.listBlobs(CONTAINER)).sort(), [HOUR_13_NAME, HOUR_14_NAME]);
    const bodies = batch.records.map((r) => r.body);
    assert.deepEqual(linesOf(await azurite.readBlob(CONTAINER, HOUR_13_NAME)), bodies.slice(0, 3));
    assert.deepEqual(linesOf(await azurite.readBlob(CONTAINER, HOUR_14_NAME)), bodies.slice(3));
    const properties = await blob(HOUR_13_NAME).getProperties();
    assert.equal(properties.blobType, "AppendBlob");
    assert.equal(properties.contentType, "application/json");
  });

  it("appends later batches to the hour blob, as Azure Monitor does", async () => {
    const later = { ...twoHourBatch("blob:6-6"), records: [surveyRecord(6, START_OF_14H + 5)] };
    await destination.deliver(later, noDeadline());
    const lines = linesOf(await azurite.readBlob(CONTAINER, HOUR_14_NAME));
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[2], surveyRecord(6, START_OF_14H + 5).body);
    assert.equal((await blob(HOUR_14_NAME).getProperties()).blobCommittedBlockCount, 2);
  });

  it("an erasure's tombstone is a manifest block blob beside the hour blobs, replaced whole on a retry", async () => {
    const tombstone = tombstoneRecord("er-1", LATE_IN_13H, ["a", "b"]);
    const batch = { ...twoHourBatch("blob:7-7"), records: [tombstone] };
    await destination.deliver(batch, noDeadline());
    await destination.deliver(batch, noDeadline());
    const container = "insights-logs-callsurveydeleted";
    const name = `${HOUR_13_PREFIX}/erasure-er-1.json`;
    assert.deepEqual(await azurite.listBlobs(container), [name]);
    assert.deepEqual(linesOf(await azurite.readBlob(container, name)), [tombstone.body]);
    const properties = await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(container)
      .getBlobClient(name)
      .getProperties();
    assert.equal(properties.blobType, "BlockBlob");
  });

  it("splits appends above the 4 MiB block limit at line ends", async () => {
    const big = "x".repeat(1_500_000);
    const records = [1, 2, 3, 4].map((n) => surveyRecord(100 + n, Date.UTC(2026, 10, 2, 9), { big }));
    const batch = { id: "blob:big", projectId: "acme", resourceId: TEST_RESOURCE_ID, records };
    await destination.deliver(batch, noDeadline());
    const name = HOUR_13_NAME.replace("d=01/h=13", "d=02/h=09");
    assert.deepEqual(
      linesOf(await azurite.readBlob(CONTAINER, name)),
      records.map((r) => r.body),
    );
    // 4 lines of ~1.5 MB: two per block.
    assert.ok(records.length * 1_500_000 > MAX_APPEND_BYTES);
    assert.equal((await blob(name).getProperties()).blobCommittedBlockCount, 2);
  });

  it("recreates a container that was deleted behind its back", async () => {
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(CONTAINER)
      .delete();
    // First a blob it has not seen (its create hits the missing container), then one it has.
    const batch = {
      ...twoHourBatch("blob:7-8"),
      records: [surveyRecord(70, Date.UTC(2026, 10, 1, 15)), surveyRecord(7, LATE_IN_13H)],
    };
    await destination.deliver(batch, noDeadline());
    assert.deepEqual(linesOf(await azurite.readBlob(CONTAINER, HOUR_13_NAME)), [
      surveyRecord(7, LATE_IN_13H).body,
    ]);
    assert.deepEqual(linesOf(await azurite.readBlob(CONTAINER, HOUR_13_NAME.replace("h=13", "h=15"))), [
      surveyRecord(70, Date.UTC(2026, 10, 1, 15)).body,
    ]);
    // And again with the cached blob first.
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(CONTAINER)
      .delete();
    await destination.deliver({ ...batch, records: [surveyRecord(7, LATE_IN_13H)] }, noDeadline());
    assert.deepEqual(linesOf(await azurite.readBlob(CONTAINER, HOUR_13_NAME)), [
      surveyRecord(7, LATE_IN_13H).body,
    ]);
  });

  it("service down: retryable failure; after a restart on the same port, delivered and nothing lost", async () => {
    await azurite.process.stop();
    await assert.rejects(destination.deliver(twoHourBatch("blob:down"), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        /^blob storage unreachable \(ECONNREFUSED\) writing insights-logs-callsurvey\//,
      );
      return true;
    });
    await azurite.process.start();
    await destination.deliver(
      { ...twoHourBatch("blob:8-8"), records: [surveyRecord(8, LATE_IN_13H)] },
      noDeadline(),
    );
    assert.deepEqual(linesOf(await azurite.readBlob(CONTAINER, HOUR_13_NAME)), [
      surveyRecord(7, LATE_IN_13H).body,
      surveyRecord(8, LATE_IN_13H).body,
    ]);
  });

  it("a wrong account key is reported by status and code, without the key", async () => {
    const key = Buffer.from("wrong-key-0123456789").toString("base64");
    const wrongKey = azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${key}`);
    const wrong = await createDestination({ type: "blob", connectionString: wrongKey }, TEST_OUTBOUND);
    await assert.rejects(wrong.deliver(twoHourBatch(), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.match(error.message, /^blob storage answered HTTP 403 AuthorizationFailure writing /);
      assert.equal(error.cause, undefined);
      assert.ok(!error.message.includes(key));
      return true;
    });
  });
});
