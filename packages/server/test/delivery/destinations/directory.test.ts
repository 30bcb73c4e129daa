import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DeliveryFailure } from "../../../src/delivery/destination.js";
import { createDestination } from "../../../src/delivery/destinations/create-destination.js";
import {
  HOUR_13_NAME,
  HOUR_13_PREFIX,
  HOUR_14_NAME,
  LATE_IN_13H,
  linesOf,
  noDeadline,
  surveyRecord,
  tombstoneRecord,
  twoHourBatch,
} from "../../support/delivery-batch.js";
import { TEST_OUTBOUND } from "../../support/outbound.js";

describe("directory destination", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "aftercall-dir-dest-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const file = (base: string, name: string) => join(base, "insights-logs-callsurvey", ...name.split("/"));

  it("writes a batch spanning two hours to two PT1H.json files, one JSON object per line", async () => {
    const path = join(root, "two-hours");
    const destination = await createDestination({ type: "directory", path }, TEST_OUTBOUND);
    const batch = twoHourBatch();
    await destination.deliver(batch, noDeadline());
    const bodies = batch.records.map((r) => r.body);
    assert.deepEqual(linesOf(await readFile(file(path, HOUR_13_NAME), "utf8")), bodies.slice(0, 3));
    assert.deepEqual(linesOf(await readFile(file(path, HOUR_14_NAME), "utf8")), bodies.slice(3));
    assert.deepEqual(await readdir(join(path, "insights-logs-callsurvey")), ["resourceId="]);
    await destination.close();
  });

  it("appends later batches to the existing hour file", async () => {
    const path = join(root, "append");
    const destination = await createDestination({ type: "directory", path }, TEST_OUTBOUND);
    const first = twoHourBatch("d:1-5");
    const second = { ...first, id: "d:6-6", records: [surveyRecord(6, LATE_IN_13H + 5)] };
    await destination.deliver(first, noDeadline());
    await destination.deliver(second, noDeadline());
    assert.deepEqual(linesOf(await readFile(file(path, HOUR_13_NAME), "utf8")), [
      ...first.records.slice(0, 3).map((r) => r.body),
      surveyRecord(6, LATE_IN_13H + 5).body,
    ]);
  });

  it("writes an erasure's tombstone as a manifest file beside the hour files, replaced whole on a retry", async () => {
    const path = join(root, "tombstone");
    const destination = await createDestination({ type: "directory", path }, TEST_OUTBOUND);
    const tombstone = tombstoneRecord("er-1", LATE_IN_13H, ["a"]);
    const batch = { ...twoHourBatch("d:7-7"), records: [tombstone] };
    await destination.deliver(batch, noDeadline());
    await destination.deliver(batch, noDeadline());
    const dir = join(path, "insights-logs-callsurveydeleted", ...HOUR_13_PREFIX.split("/"));
    assert.deepEqual(await readdir(dir), ["erasure-er-1.json"]);
    assert.deepEqual(linesOf(await readFile(join(dir, "erasure-er-1.json"), "utf8")), [tombstone.body]);
    await destination.close();
  });

  it("fails retryably when the directory cannot be created, and writes nothing after an abort", async () => {
    const blocker = join(root, "a-file");
    await writeFile(blocker, "not a directory");
    const blocked = await createDestination(
      { type: "directory", path: join(blocker, "archive") },
      TEST_OUTBOUND,
    );
    await assert.rejects(blocked.deliver(twoHourBatch(), noDeadline()), (error: unknown) => {
      assert.ok(error instanceof DeliveryFailure);
      assert.equal(error.retryable, true);
      assert.match(error.message, /^could not write insights-logs-callsurvey\/resourceId=.*: ENOTDIR$/);
      return true;
    });

    const path = join(root, "aborted");
    const destination = await createDestination({ type: "directory", path }, TEST_OUTBOUND);
    const controller = new AbortController();
    controller.abort(new Error("batch timeout"));
    await assert.rejects(destination.deliver(twoHourBatch(), controller.signal), {
      name: "DeliveryFailure",
      message: "delivery aborted (batch timeout)",
    });
    await assert.rejects(readdir(path), { code: "ENOENT" });
  });
});
