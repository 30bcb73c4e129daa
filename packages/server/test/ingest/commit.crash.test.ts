/**
 * Crash safety of ingestion, end to end, for both engines: a real `aftercall serve` child process takes
 * concurrent submissions (new surveys, re-posts of acknowledged ones, retries of ones whose answer was
 * lost) and is killed with SIGKILL mid-load, several times, restarting on the same store each time.
 * Afterwards the store must hold every acknowledged survey exactly once with the submitted content, and
 * nothing but acknowledged surveys and surveys whose request was cut off by a kill.
 *
 * Locally the PostgreSQL half is skipped, with its reason, when the server binaries are missing; in CI
 * (`CI=true`) it must run.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AUDIO_ISSUES,
  OVERALL_ISSUES,
  SCREENSHARE_ISSUES,
  type SurveyRecord,
  type SurveySubmission,
  toSurveyRecord,
  VIDEO_ISSUES,
} from "@aftercall/schema";
import { openStore, type StoreLocation } from "../../src/open-store.js";
import type { Database } from "../../src/store/database.js";
import { countSurveys, exportSurveys, getSurvey } from "../../src/surveys/survey-reads.js";
import { type PostgresServer, postgresSkip, startPostgres } from "../support/postgres.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

const CYCLES = 4;
/**
 * Extra cycles run only when no request at all was cut off by the first kills (the client had already
 * been answered every time): rare, but a run that never kills mid-request proves less.
 */
const EXTRA_CYCLES = 3;
const CONCURRENCY = 24;
/** The kill lands this many ms after the load started. */
/** The kill comes this long after the cycle's first acknowledgement (a slow start is not load). */
const KILL_AFTER_MS = { min: 100, max: 700 };
/** A cycle whose server acknowledges nothing within this long fails (see the check after the load). */
const FIRST_ACK_WITHIN_MS = 15_000;
/** Share of requests that re-post an acknowledged survey (must answer 200, never 201). */
const REPLAY_SHARE = 0.15;
/** Share of requests that retry a survey whose request a kill cut off (201 or 200). */
const RETRY_SHARE = 0.1;
const REQUEST_TIMEOUT_MS = 10_000;
const PROJECT = "demo";

// ---------------------------------------------------------------------------------------------------
// Random surveys

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const chance = (p: number) => Math.random() < p;
const score = () => 1 + Math.floor(Math.random() * 5);

/** A random, distinct subset of `catalog` in random order (order is part of the content). */
function someIssues<T>(catalog: readonly T[]): T[] {
  return [...catalog].sort(() => Math.random() - 0.5).slice(0, Math.floor(Math.random() * 4));
}

let seq = 0;

function randomSurvey(): SurveySubmission {
  seq++;
  const survey: SurveySubmission = {
    id: randomUUID(),
    callId: `crash-call-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    participantId: `p-${Math.floor(Math.random() * 1e6)}`,
    clientTime: new Date(Date.now() - Math.floor(Math.random() * 60_000)).toISOString(),
    overallRating: { score: score() },
  };
  const overall = someIssues(OVERALL_ISSUES);
  if (overall.length > 0 && survey.overallRating) survey.overallRating.issues = overall;
  if (chance(0.7)) survey.audioRating = { score: score(), issues: someIssues(AUDIO_ISSUES) };
  if (chance(0.4)) survey.videoRating = { score: score(), issues: someIssues(VIDEO_ISSUES) };
  if (chance(0.2)) {
    survey.screenshareRating = {
      score: 3 + Math.floor(Math.random() * 8),
      scale: { lowerBound: 1, upperBound: 10, lowScoreThreshold: 4 },
      issues: someIssues(SCREENSHARE_ISSUES),
    };
  }
  if (chance(0.3) && survey.overallRating) {
    survey.overallRating.improvementSuggestion = `Écho, «latence» — 🎧 ${seq} "quoted", commas, and more`;
  }
  if (chance(0.3)) survey.dimensions = { region: pick(["eu", "us", "apac"]), tier: `t${seq % 3}` };
  if (chance(0.3)) survey.appVersion = `1.${seq % 10}.0`;
  if (chance(0.2)) survey.platform = pick(["web", "ios", "android"]);
  return survey;
}

// ---------------------------------------------------------------------------------------------------
// The crash harness

interface Ledger {
  /** Acknowledged (201, or 200 for a retry) surveys, by id. */
  acked: Map<string, SurveySubmission>;
  ackedIds: string[];
  /** Surveys whose request got no answer because of a kill, and that no later request resolved. */
  unknown: Map<string, SurveySubmission>;
  /** Every request that got no answer at a kill (any kind). */
  unansweredAtKill: number;
  /** Of those, requests carrying a survey not acknowledged before (the only ones that can add rows). */
  unansweredNewAtKill: number;
  requests: number;
  replays: number;
  retriesResolved: number;
  perCycle: Array<{ acked: number; unanswered: number; killAtMs: number }>;
  /** Anything that must never happen; asserted empty at the end (collected so loops never throw). */
  violations: string[];
}

function newLedger(): Ledger {
  return {
    acked: new Map(),
    ackedIds: [],
    unknown: new Map(),
    unansweredAtKill: 0,
    unansweredNewAtKill: 0,
    requests: 0,
    replays: 0,
    retriesResolved: 0,
    perCycle: [],
    violations: [],
  };
}

type Kind = "new" | "replay" | "retry";

function ack(ledger: Ledger, survey: SurveySubmission): void {
  if (!ledger.acked.has(survey.id)) ledger.ackedIds.push(survey.id);
  ledger.acked.set(survey.id, survey);
  ledger.unknown.delete(survey.id);
}

/** Check the ACS-shaped echo of a submission. */
function checkEcho(ledger: Ledger, survey: SurveySubmission, text: string): void {
  try {
    const body = JSON.parse(text) as { id?: string; callId?: string; localParticipantId?: string };
    if (
      body.id !== survey.id ||
      body.callId !== survey.callId ||
      body.localParticipantId !== survey.participantId
    )
      ledger.violations.push(`response for ${survey.id} echoes other content: ${text.slice(0, 300)}`);
  } catch {
    ledger.violations.push(`response for ${survey.id} is not JSON: ${text.slice(0, 300)}`);
  }
}

/**
 * One cycle: CONCURRENCY loops post until the server is SIGKILLed at a random moment, then every loop
 * settles. Returns after the process has exited and no request is outstanding.
 */
async function loadAndKill(server: ServerProcess, ingestKey: string, ledger: Ledger): Promise<void> {
  let killed = false;
  let cycleAcked = 0;
  let cycleUnanswered = 0;
  const endpoint = `${server.url}/v1/surveys`;
  const headers = { authorization: `Bearer ${ingestKey}`, "content-type": "application/json" };

  const post = async (survey: SurveySubmission, kind: Kind): Promise<void> => {
    ledger.requests++;
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify(survey),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (!killed) {
        ledger.violations.push(`${kind} ${survey.id} failed while the server was up: ${String(error)}`);
        return;
      }
      // Cut off by the kill: the survey may or may not have been committed.
      ledger.unansweredAtKill++;
      cycleUnanswered++;
      if (!ledger.acked.has(survey.id)) {
        ledger.unansweredNewAtKill++;
        ledger.unknown.set(survey.id, survey);
      }
      return;
    }
    // The status line is only sent after the commit, so the status alone is the acknowledgement; the
    // body may still be cut off by the kill.
    const text = await response.text().catch(() => undefined);
    const { status } = response;
    const summary = () => `${kind} ${survey.id}: HTTP ${status} ${text?.slice(0, 300) ?? "(body cut off)"}`;
    if (kind === "new") {
      if (status !== 201) ledger.violations.push(`expected 201 for a new survey, got ${summary()}`);
      else {
        ack(ledger, survey);
        cycleAcked++;
      }
    } else if (kind === "replay") {
      if (status === 201)
        ledger.violations.push(`LOST: acknowledged survey ${survey.id} was stored again (201) on re-post`);
      else if (status !== 200 || response.headers.get("aftercall-idempotent-replay") !== "true")
        ledger.violations.push(`expected an idempotent 200 for a re-post, got ${summary()}`);
      else ledger.replays++;
    } else if (status === 200 || status === 201) {
      ack(ledger, survey);
      ledger.retriesResolved++;
      cycleAcked++;
    } else ledger.violations.push(`expected 200 or 201 for a retry, got ${summary()}`);
    if (text !== undefined && (status === 200 || status === 201)) checkEcho(ledger, survey, text);
  };

  const loop = async () => {
    while (!killed) {
      const r = Math.random();
      if (r < REPLAY_SHARE && ledger.ackedIds.length > 0) {
        const id = pick(ledger.ackedIds);
        await post(ledger.acked.get(id) as SurveySubmission, "replay");
      } else if (r < REPLAY_SHARE + RETRY_SHARE && ledger.unknown.size > 0) {
        await post(pick([...ledger.unknown.values()]), "retry");
      } else {
        await post(randomSurvey(), "new");
      }
    }
  };

  const loops = Array.from({ length: CONCURRENCY }, loop);
  // Kill mid-load: at a random moment after the server has answered its first survey of this cycle, so a
  // server that starts slowly (a busy machine) is still killed with commits in flight, not before any.
  const started = Date.now();
  while (cycleAcked === 0 && Date.now() - started < FIRST_ACK_WITHIN_MS) await sleep(10);
  const killAtMs = KILL_AFTER_MS.min + Math.floor(Math.random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min));
  await sleep(killAtMs);
  killed = true; // before the signal: every failure seen from now on is the kill's
  const exit = await server.kill("SIGKILL");
  assert.equal(
    exit.signal,
    "SIGKILL",
    `the server had already exited (${JSON.stringify(exit)}):\n${server.output()}`,
  );
  await Promise.all(loops);
  ledger.perCycle.push({ acked: cycleAcked, unanswered: cycleUnanswered, killAtMs });
}

/** The stored record must be exactly what the submission becomes (everything but the server's clock). */
function checkContent(stored: SurveyRecord, submitted: SurveySubmission, startedAt: number): void {
  const receivedAt = Date.parse(stored.receivedAt);
  assert.ok(
    receivedAt >= startedAt - 1000 && receivedAt <= Date.now() + 1000,
    `survey ${stored.id}: receivedAt ${stored.receivedAt} is outside the test run`,
  );
  const expected = toSurveyRecord(submitted, { projectId: PROJECT, receivedAt: new Date(receivedAt) });
  assert.deepEqual(stored, expected, `survey ${stored.id} was stored with other content`);
}

/**
 * The crash scenario on one engine. `location` is where the server stores (given to the child as CLI
 * option and opened directly by the test for the final check).
 */
function crashSuite(location: () => StoreLocation, servers: ServerProcess[], dbs: Database[]) {
  it(`keeps every acknowledged survey exactly once across ${CYCLES}+ SIGKILLs under load`, {
    timeout: 90_000,
  }, async (t) => {
    const startedAt = Date.now();
    const ledger = newLedger();
    const where = location();
    const options = where.engine === "sqlite" ? { dataDir: where.dataDir } : { databaseUrl: where.url };

    let ingestKey: string | undefined;
    let adminToken: string | undefined;
    for (
      let cycle = 0;
      cycle < CYCLES || (ledger.unansweredAtKill === 0 && cycle < CYCLES + EXTRA_CYCLES);
      cycle++
    ) {
      const server = await startServerProcess(options);
      servers.push(server);
      if (cycle === 0) {
        assert.ok(
          server.firstProject,
          `the first start on an empty store creates a project:\n${server.output()}`,
        );
        assert.equal(server.firstProject.id, PROJECT);
        ({ ingestKey, adminToken } = server.firstProject);
      } else {
        assert.equal(server.firstProject, undefined, "a restart must find the project it created before");
      }
      await loadAndKill(server, ingestKey as string, ledger);
    }

    // A last start after the crashes: acknowledged surveys read back over the admin API, and a graceful
    // stop (SIGTERM) still exits cleanly on a store that went through kills.
    const server = await startServerProcess(options);
    servers.push(server);
    for (const id of ledger.ackedIds.slice(0, 5).concat(ledger.ackedIds.slice(-5))) {
      const response = await fetch(`${server.url}/v1/surveys/${id}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const text = await response.text();
      assert.equal(response.status, 200, `GET /v1/surveys/${id}: ${text}`);
      checkContent(JSON.parse(text) as SurveyRecord, ledger.acked.get(id) as SurveySubmission, startedAt);
    }
    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `graceful stop failed:\n${server.output()}`);

    // The strongest check: open the store itself.
    const db = await openStore(where);
    dbs.push(db);
    const count = await countSurveys(db, PROJECT);
    const storedIds = new Set<string>();
    for await (const record of exportSurveys(db, PROJECT, {})) {
      assert.ok(!storedIds.has(record.id), `survey ${record.id} is stored twice`);
      storedIds.add(record.id);
      const submitted = ledger.acked.get(record.id) ?? ledger.unknown.get(record.id);
      assert.ok(
        submitted,
        `survey ${record.id} is stored but was neither acknowledged nor cut off by a kill`,
      );
      checkContent(record, submitted, startedAt);
    }
    const lost = ledger.ackedIds.filter((id) => !storedIds.has(id));
    for (const id of ledger.ackedIds.slice(0, 50)) {
      const record = await getSurvey(db, PROJECT, id);
      assert.ok(record, `getSurvey(${id}) finds nothing`);
      checkContent(record, ledger.acked.get(id) as SurveySubmission, startedAt);
    }
    const cutOffStored = [...ledger.unknown.keys()].filter((id) => storedIds.has(id)).length;

    const cycles = ledger.perCycle.map((c) => `${c.acked}/${c.unanswered}@${c.killAtMs}ms`).join(" ");
    t.diagnostic(
      `${where.engine}: acked=${ledger.acked.size} in-flight-at-kill=${ledger.unansweredAtKill} ` +
        `(new=${ledger.unansweredNewAtKill}, unresolved=${ledger.unknown.size}, of which stored=${cutOffStored}) ` +
        `stored=${count} requests=${ledger.requests} replays=${ledger.replays} ` +
        `retries-resolved=${ledger.retriesResolved} cycles(acked/in-flight@kill)=${cycles} ` +
        `in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
    );

    assert.deepEqual(ledger.violations, [], "requests must only fail because of a kill");
    assert.deepEqual(lost, [], `${lost.length} acknowledged surveys are missing from the store`);
    assert.equal(count, storedIds.size, "countSurveys agrees with the stored surveys");
    assert.ok(count >= ledger.acked.size, `stored ${count} < acknowledged ${ledger.acked.size}`);
    assert.ok(
      count <= ledger.acked.size + ledger.unansweredAtKill,
      `stored ${count} > acknowledged ${ledger.acked.size} + in flight at kill ${ledger.unansweredAtKill}`,
    );
    assert.equal(
      count,
      ledger.acked.size + cutOffStored,
      "stored = acknowledged + cut-off surveys that committed",
    );
    for (const [i, c] of ledger.perCycle.entries())
      assert.ok(c.acked > 0, `cycle ${i + 1} acknowledged nothing before the kill; the load did not run`);
    assert.ok(ledger.unansweredAtKill > 0, "no request was in flight at any kill; the kills missed the load");
    assert.ok(ledger.replays > 0, "no idempotent re-post was answered");
  });
}

describe("crash safety: SQLite", () => {
  let dataDir = "";
  const servers: ServerProcess[] = [];
  const dbs: Database[] = [];
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "aftercall-crash-"));
  });
  after(async () => {
    try {
      await Promise.allSettled([...servers.map((s) => s.kill("SIGKILL")), ...dbs.map((s) => s.close())]);
    } finally {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });
  crashSuite(() => ({ engine: "sqlite", dataDir }), servers, dbs);
});

describe("crash safety: PostgreSQL", { skip: postgresSkip() }, () => {
  let pg: PostgresServer | undefined;
  const servers: ServerProcess[] = [];
  const dbs: Database[] = [];
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    try {
      await Promise.allSettled([...servers.map((s) => s.kill("SIGKILL")), ...dbs.map((s) => s.close())]);
    } finally {
      await pg?.stop();
    }
  });
  crashSuite(() => ({ engine: "postgres", url: (pg as PostgresServer).url }), servers, dbs);
});
