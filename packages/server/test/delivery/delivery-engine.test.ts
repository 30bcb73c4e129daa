/**
 * The delivery engine's logic, on both stores: the outbox follows commits, cursors and backfill, record
 * rendering, backoff, parking and operator retry, pause, leases. The destination here is an in-process
 * recorder that fails on command — the engine's logic is what is under test; every real destination type
 * has its own suite against the real system (destinations.*.test.ts), and delivery.outage.test.ts
 * drives the whole server against them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { type SurveySubmission, toSurveyRecord } from "@aftercall/schema";
import { DeliveryEngine } from "../../src/delivery/delivery-engine.js";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../../src/delivery/destination.js";
import type { DestinationConfig } from "../../src/delivery/destinations/destination-config.js";
import { createSetting } from "../../src/delivery/manage-settings.js";
import { parseSettingInput } from "../../src/delivery/settings.js";
import { recordEvents } from "../../src/events/survey-events.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import { createLogger } from "../../src/logger.js";
import { createProject } from "../../src/projects/manage-projects.js";
import type { Project } from "../../src/projects/project.js";
import { getProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import { deliveryOf } from "../support/delivery-of.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import { TEST_OUTBOUND } from "../support/outbound.js";

/** Records every batch; `failNext(n)` makes the next n deliveries fail (retryable unless told otherwise). */
class RecordingDestination implements Destination {
  readonly type = "webhook" as const;
  batches: DeliveryBatch[] = [];
  private failures: Array<DeliveryFailure> = [];
  failNext(n: number, retryable = true): void {
    for (let i = 0; i < n; i++)
      this.failures.push(new DeliveryFailure(`receiver down (${i + 1})`, retryable));
  }
  /** Runs during each delivery, before it succeeds (e.g. an operator acting meanwhile). */
  during: (() => Promise<void>) | undefined;
  async deliver(batch: DeliveryBatch): Promise<void> {
    await this.during?.();
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.batches.push(batch);
  }
  async close(): Promise<void> {}
  recordIds(): string[] {
    return this.batches.flatMap((b) => b.records.map((r) => r.id));
  }
}

let clock = Date.parse("2026-11-23T10:00:00Z");
const now = () => clock;

async function store_(
  db: Database,
  project: Project,
  receivedAt: Date,
  overrides: Partial<SurveySubmission> = {},
) {
  const submission: SurveySubmission = {
    id: randomUUID(),
    callId: `call-${randomUUID().slice(0, 6)}`,
    participantId: "p1",
    clientTime: receivedAt.toISOString(),
    overallRating: { score: 2 },
    ...overrides,
  };
  const record = toSurveyRecord(submission, { projectId: project.id, receivedAt });
  const [outcome] = await commitSurveyGroups(db, [[{ record, contentHash: submissionHash(submission) }]]);
  assert.equal(outcome?.status, "committed");
  return record;
}

function engineFor(
  db: Database,
  destination: Destination,
  options: { owner?: string; maxAttempts?: number } = {},
) {
  return new DeliveryEngine({
    store: deliveryOf(db),
    getProject: (id) => getProject(db, id),
    logger: createLogger("silent"),
    now,
    batchSize: 3,
    maxAttempts: options.maxAttempts ?? 3,
    backoff: { baseMs: 1000, maxMs: 8000 },
    createDestination: async (_config: DestinationConfig) => destination,
    ...(options.owner ? { owner: options.owner } : {}),
  });
}

/** Create a setting from an API-shaped body, as the operator. */
const addSetting = (db: Database, project: Project, body: Record<string, unknown>) =>
  createSetting(deliveryOf(db), project, parseSettingInput(body), {
    operator: true,
    outbound: TEST_OUTBOUND,
  });

const WEBHOOK = { url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };

function deliverySuite(engine: string, makeDatabase: MakeDatabase): void {
  describe(`delivery engine on ${engine}`, () => {
    const withStore = async (body: (db: Database, project: Project) => Promise<void>) => {
      const { db, cleanup } = await makeDatabase();
      try {
        const { project } = await createProject(db, { name: `Delivery ${randomUUID().slice(0, 6)}` });
        await body(db, project);
      } finally {
        await cleanup();
      }
    };

    it("delivers only what arrives after the setting is created, in commit order, with stable record ids", () =>
      withStore(async (db, project) => {
        await store_(db, project, new Date(clock - 60_000)); // before the setting: not delivered
        await addSetting(db, project, {
          name: "hook",
          format: "native",
          destinations: { webhook: WEBHOOK },
        });
        const later = [];
        for (let i = 0; i < 7; i++) later.push(await store_(db, project, new Date(clock + i)));
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination);
        await engine.runOnce();
        assert.deepEqual(
          destination.recordIds(),
          later.map((r) => `CallSurvey:${r.id}`),
        );
        assert.deepEqual(
          destination.batches.map((b) => b.records.length),
          [3, 3, 1],
        );
        const first = destination.batches[0];
        assert.equal(first?.resourceId, project.resourceId);
        assert.equal((first?.records[0]?.body as { id: string } | undefined)?.id, later[0]?.id);
        // An idempotent retry of a stored survey commits nothing, so nothing is delivered twice.
        const retried = later[0] as (typeof later)[number];
        const submission = {
          id: retried.id,
          callId: retried.callId,
          participantId: "p1",
          clientTime: retried.clientTime,
          overallRating: { score: 2 },
        };
        const [outcome] = await commitSurveyGroups(db, [
          [{ record: retried, contentHash: submissionHash(submission) }],
        ]);
        assert.equal(outcome?.status === "committed" && outcome.surveys[0]?.created, false);
        await engine.runOnce();
        assert.equal(destination.recordIds().length, 7);
      }));

    it("backfills from a chosen time, and renders Azure resource-log records", () =>
      withStore(async (db, project) => {
        const old = await store_(db, project, new Date(clock - 3_600_000));
        const recent = await store_(db, project, new Date(clock - 60_000));
        await addSetting(db, project, {
          name: "archive",
          format: "acs",
          destinations: { webhook: WEBHOOK },
          backfillFrom: new Date(clock - 120_000).toISOString(),
        });
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination);
        await engine.runOnce();
        assert.deepEqual(destination.recordIds(), [`CallSurvey:${recent.id}`]);
        const body = destination.batches[0]?.records[0]?.body as Record<string, unknown>;
        assert.equal(body.category, "CallSurvey");
        assert.equal(body.resourceId, project.resourceId);
        assert.equal((body.properties as Record<string, unknown>).CallId, recent.callId);
        // Moving the cursor back re-delivers (at least once), including the older survey.
        const [setting] = await deliveryOf(db).listSettings(project.id);
        await deliveryOf(db).backfill(setting?.id as string, ["webhook"], clock - 7_200_000);
        await engine.runOnce();
        assert.deepEqual(destination.recordIds().slice(1), [
          `CallSurvey:${old.id}`,
          `CallSurvey:${recent.id}`,
        ]);
      }));

    it("carries lifecycle events only for settings that chose that category", () =>
      withStore(async (db, project) => {
        await addSetting(db, project, { name: "surveys", destinations: { webhook: WEBHOOK } });
        await addSetting(db, project, {
          name: "all",
          categories: ["allLogs"],
          format: "native",
          destinations: { webhook: WEBHOOK },
        });
        const survey = await store_(db, project, new Date(clock));
        const event = {
          id: randomUUID(),
          type: "shown" as const,
          callId: "c",
          participantId: "p",
          clientTime: new Date(clock).toISOString(),
        };
        await recordEvents(db, project.id, [event], clock + 1);
        const settings = await deliveryOf(db).listSettings(project.id);
        const byName = new Map<string, RecordingDestination>();
        const engine = new DeliveryEngine({
          store: deliveryOf(db),
          getProject: (id) => getProject(db, id),
          logger: createLogger("silent"),
          now,
          createDestination: async (config) => {
            const name = settings.find((s) =>
              s.destinations.some((d) => JSON.stringify(d.config) === JSON.stringify(config)),
            );
            const d = new RecordingDestination();
            byName.set(`${name?.name}-${byName.size}`, d);
            return d;
          },
        });
        await engine.runOnce();
        const all = [...byName.values()].map((d) => d.recordIds().sort());
        assert.deepEqual(
          all.sort((a, b) => a.length - b.length),
          [[`CallSurvey:${survey.id}`], [`CallSurvey:${survey.id}`, `CallSurveyEvent:${event.id}`].sort()],
        );
      }));

    it("retries with growing backoff, then delivers everything once the destination recovers", () =>
      withStore(async (db, project) => {
        await addSetting(db, project, { name: "hook", destinations: { webhook: WEBHOOK } });
        const surveys = [
          await store_(db, project, new Date(clock)),
          await store_(db, project, new Date(clock + 1)),
        ];
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination, { maxAttempts: 5 });
        destination.failNext(2);
        await engine.runOnce();
        let [d] = (await deliveryOf(db).listSettings(project.id))[0]?.destinations ?? [];
        assert.equal(d?.failedAttempts, 1);
        assert.equal(d?.lastError, "receiver down (1)");
        const firstDelay = (d?.nextAttemptAtMs ?? 0) - clock;
        assert.ok(firstDelay >= 500 && firstDelay <= 1000, `first delay ${firstDelay}`);
        await engine.runOnce(); // still backing off: no attempt
        assert.equal(destination.batches.length, 0);
        clock += firstDelay;
        await engine.runOnce();
        [d] = (await deliveryOf(db).listSettings(project.id))[0]?.destinations ?? [];
        assert.equal(d?.failedAttempts, 2);
        const secondDelay = (d?.nextAttemptAtMs ?? 0) - clock;
        assert.ok(secondDelay >= 1000 && secondDelay <= 2000, `second delay ${secondDelay}`);
        clock += secondDelay;
        await engine.runOnce();
        assert.deepEqual(
          destination.recordIds(),
          surveys.map((s) => `CallSurvey:${s.id}`),
        );
        [d] = (await deliveryOf(db).listSettings(project.id))[0]?.destinations ?? [];
        assert.equal(d?.failedAttempts, 0);
        assert.equal(d?.deliveredRecords, 2);
        assert.equal(d?.lastSuccessAtMs, clock);
      }));

    it("parks a batch after the last attempt, moves on, and delivers it when an operator retries", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        const poisoned = [];
        for (let i = 0; i < 3; i++) poisoned.push(await store_(db, project, new Date(clock + i)));
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination, { maxAttempts: 2 });
        destination.failNext(2);
        await engine.runOnce();
        clock += 10_000;
        await engine.runOnce(); // second failure parks the first batch of three; nothing else waits
        const parked = await deliveryOf(db).listParked(setting.destinations.map((d) => d.id));
        assert.equal(parked.length, 1);
        assert.equal(parked[0]?.records, 3);
        assert.equal(parked[0]?.attempts, 2);
        assert.equal(parked[0]?.error, "receiver down (2)");
        const after = await store_(db, project, new Date(clock));
        await engine.runOnce();
        assert.deepEqual(destination.recordIds(), [`CallSurvey:${after.id}`]);
        assert.equal(await deliveryOf(db).requestParkedRetry(setting.id), 1);
        await engine.runOnce();
        assert.deepEqual(
          destination.recordIds().slice(1),
          poisoned.map((s) => `CallSurvey:${s.id}`),
        );
        assert.deepEqual(await deliveryOf(db).listParked(setting.destinations.map((d) => d.id)), []);
      }));

    it("parks at once when the destination says retrying cannot help", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        await store_(db, project, new Date(clock));
        const destination = new RecordingDestination();
        destination.failNext(1, false);
        await engineFor(db, destination, { maxAttempts: 8 }).runOnce();
        const parked = await deliveryOf(db).listParked(setting.destinations.map((d) => d.id));
        assert.equal(parked.length, 1);
        assert.equal(parked[0]?.attempts, 1);
      }));

    it("a paused destination receives nothing until it is resumed", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        await deliveryOf(db).setPaused(setting.id, ["webhook"], true);
        const s = await store_(db, project, new Date(clock));
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination);
        await engine.runOnce();
        assert.equal(destination.batches.length, 0);
        await deliveryOf(db).setPaused(setting.id, ["webhook"], false);
        await engine.runOnce();
        assert.deepEqual(destination.recordIds(), [`CallSurvey:${s.id}`]);
      }));

    it("a destination is leased to one server at a time, and a stale owner cannot move its cursor", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        const id = setting.destinations[0]?.id as string;
        assert.equal(await deliveryOf(db).claim(id, "server-a", clock, 30_000), true);
        assert.equal(await deliveryOf(db).claim(id, "server-b", clock + 1_000, 30_000), false);
        await store_(db, project, new Date(clock));
        const b = new RecordingDestination();
        clock += 1_000;
        await engineFor(db, b, { owner: "server-b" }).runOnce();
        assert.equal(b.batches.length, 0, "server-b delivered while server-a held the lease");
        // server-a stops renewing; after the lease expires server-b takes over and server-a is fenced off.
        clock += 31_000;
        await engineFor(db, b, { owner: "server-b" }).runOnce();
        assert.equal(b.recordIds().length, 1);
        assert.equal(
          await deliveryOf(db).markDelivered(id, "server-a", { fromCursor: 0, toSeq: 10_000 }, 1, clock),
          false,
        );
      }));

    it("a backfill made while a batch is in flight is not undone by that batch's success", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        const first = [
          await store_(db, project, new Date(clock)),
          await store_(db, project, new Date(clock + 1)),
        ];
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination);
        await engine.runOnce();
        const later = await store_(db, project, new Date(clock + 2));
        destination.during = async () => {
          destination.during = undefined;
          await deliveryOf(db).backfill(setting.id, ["webhook"], 0);
        };
        await engine.runOnce(); // delivers `later` while the backfill moves the cursor back to the start
        await engine.runOnce(); // so everything is delivered again
        assert.deepEqual(
          destination.recordIds(),
          [...first, later, ...first, later].map((r) => `CallSurvey:${r.id}`),
        );
      }));

    it("a backfill from a time after undelivered surveys never skips them", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        await deliveryOf(db).setPaused(setting.id, ["webhook"], true);
        const waiting = [];
        for (let i = 0; i < 4; i++) waiting.push(await store_(db, project, new Date(clock + i * 1000)));
        await deliveryOf(db).backfill(setting.id, ["webhook"], clock + 2500);
        await deliveryOf(db).setPaused(setting.id, ["webhook"], false);
        const destination = new RecordingDestination();
        await engineFor(db, destination).runOnce();
        assert.deepEqual(
          destination.recordIds(),
          waiting.map((r) => `CallSurvey:${r.id}`),
        );
      }));

    it("a backfill after an import delivers exactly the surveys received at or after its time", () =>
      withStore(async (db, project) => {
        // Live surveys, then an import of older ones: the log is in commit order, not receive order.
        const live = [];
        for (let i = 0; i < 5; i++) live.push(await store_(db, project, new Date(clock + i * 60_000)));
        const imported = [];
        for (let i = 0; i < 6; i++)
          imported.push(await store_(db, project, new Date(clock - 86_400_000 + i * 3_600_000 * 5)));
        const from = clock - 86_400_000 + 12 * 3_600_000; // picks 3 of the imported surveys
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
          backfillFrom: new Date(from).toISOString(),
        });
        const later = await store_(db, project, new Date(clock + 3_600_000));
        const expected = [...live, ...imported, later].filter((r) => Date.parse(r.receivedAt) >= from);
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination);
        await engine.runOnce();
        assert.deepEqual(destination.recordIds().sort(), expected.map((r) => `CallSurvey:${r.id}`).sort());
        // A second backfill of the same destination selects the same way.
        destination.batches = [];
        await deliveryOf(db).backfill(setting.id, ["webhook"], from);
        await engine.runOnce();
        assert.deepEqual(destination.recordIds().sort(), expected.map((r) => `CallSurvey:${r.id}`).sort());
      }));

    it("the same range parked twice (after a backfill) stays one parked batch and does not wedge delivery", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        await store_(db, project, new Date(clock));
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination);
        destination.failNext(1, false);
        await engine.runOnce();
        await deliveryOf(db).backfill(setting.id, ["webhook"], 0);
        destination.failNext(1, false);
        await engine.runOnce();
        const parked = await deliveryOf(db).listParked(setting.destinations.map((d) => d.id));
        assert.equal(parked.length, 1);
        assert.equal(parked[0]?.attempts, 2);
        const next = await store_(db, project, new Date(clock + 1));
        await engine.runOnce();
        assert.deepEqual(destination.recordIds(), [`CallSurvey:${next.id}`]);
      }));

    it("a destination that cannot even be created shows the error and backs off", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        await store_(db, project, new Date(clock));
        const engine = new DeliveryEngine({
          store: deliveryOf(db),
          getProject: (id) => getProject(db, id),
          logger: createLogger("silent"),
          now,
          createDestination: async () => {
            throw new DeliveryFailure("invalid connection string");
          },
        });
        await engine.runOnce();
        const [d] = (await deliveryOf(db).getSetting(project.id, setting.id))?.destinations ?? [];
        assert.equal(d?.failedAttempts, 1);
        assert.equal(d?.lastError, "invalid connection string");
        assert.ok((d?.nextAttemptAtMs ?? 0) > clock);
      }));

    it("after a recovery a single failure of the next batch is retried, not parked", () =>
      withStore(async (db, project) => {
        const setting = await addSetting(db, project, {
          name: "hook",
          destinations: { webhook: WEBHOOK },
        });
        for (let i = 0; i < 6; i++) await store_(db, project, new Date(clock + i));
        const destination = new RecordingDestination();
        const engine = engineFor(db, destination, { maxAttempts: 3 });
        destination.failNext(2);
        await engine.runOnce();
        clock += 10_000;
        await engine.runOnce();
        clock += 10_000;
        // Batch 1 succeeds on its third attempt; batch 2 then fails once in the same turn.
        let calls = 0;
        destination.during = async () => {
          if (++calls === 2) destination.failNext(1);
        };
        await engine.runOnce();
        assert.deepEqual(await deliveryOf(db).listParked(setting.destinations.map((d) => d.id)), []);
        const [d] = (await deliveryOf(db).getSetting(project.id, setting.id))?.destinations ?? [];
        assert.equal(d?.failedAttempts, 1);
        assert.equal(destination.recordIds().length, 3);
      }));

    it("concurrent creates never exceed five settings, and a taken name is a conflict, not an error", () =>
      withStore(async (db, project) => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            addSetting(db, project, { name: `s${i}`, destinations: { webhook: WEBHOOK } }),
          ),
        );
        assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 5);
        for (const o of outcomes)
          if (o.status === "rejected")
            assert.equal((o.reason as { code?: string }).code, "SETTING_LIMIT_REACHED");
        const other = (await createProject(db, { name: `Other ${randomUUID().slice(0, 6)}` })).project;
        const same = await Promise.allSettled(
          Array.from({ length: 4 }, () =>
            addSetting(db, other, { name: "same", destinations: { webhook: WEBHOOK } }),
          ),
        );
        assert.equal(same.filter((o) => o.status === "fulfilled").length, 1);
        for (const o of same)
          if (o.status === "rejected") assert.equal((o.reason as { code?: string }).code, "SETTING_EXISTS");
      }));

    it("allows at most five settings per project and unique names", () =>
      withStore(async (db, project) => {
        for (let i = 0; i < 5; i++)
          await addSetting(db, project, { name: `s${i}`, destinations: { webhook: WEBHOOK } });
        await assert.rejects(addSetting(db, project, { name: "s5", destinations: { webhook: WEBHOOK } }), {
          code: "SETTING_LIMIT_REACHED",
        });
        const s0 = (await deliveryOf(db).listSettings(project.id)).find((s) => s.name === "s0");
        assert.equal(await deliveryOf(db).deleteSetting(project.id, s0?.id as string), true);
        await assert.rejects(addSetting(db, project, { name: "s1", destinations: { webhook: WEBHOOK } }), {
          code: "SETTING_EXISTS",
        });
      }));
  });
}

onEveryEngine("delivery", (engine, makeDatabase) => deliverySuite(engine, makeDatabase));
