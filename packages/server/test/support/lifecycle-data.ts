import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { SurveyEvent } from "@aftercall/schema";
import { recordEvents } from "../../src/events/survey-events.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import type { Database } from "../../src/store/database.js";
import { generate, pending, random, T0 } from "./rollup-equality.js";

/**
 * Data for the lifecycle tests: the rollup tests' generated surveys (participants `participant-0…10`,
 * calls `call-0…36`, three days from {@link T0}) committed in groups of 40 that share a receive time,
 * and a `shown` event per survey.
 */
export async function seedLifecycleData(db: Database, projectId: string, n = 600, seed = 7) {
  const data = generate(random(seed), n);
  for (let i = 0; i < data.length; i += 40) {
    const group = data.slice(i, i + 40);
    const at = (group[0] as { at: number }).at;
    const outcomes = await commitSurveyGroups(db, [group.map((d) => pending(projectId, { ...d, at }))]);
    assert.ok(outcomes.every((o) => o.status === "committed"));
    const events: SurveyEvent[] = group.map(({ sub }) => ({
      id: crypto.randomUUID(),
      type: "shown",
      callId: sub.callId,
      participantId: sub.participantId,
      clientTime: sub.clientTime,
    }));
    await recordEvents(db, projectId, events, at);
  }
  return data;
}

/** How many rows of `table` the project has, optionally where `column = value`. */
export async function countRows(
  db: Database,
  table: "surveys" | "survey_events" | "delivery_log",
  projectId: string,
  where?: [string, string],
): Promise<number> {
  const [row] = await db.all<{ n: number | string }>(
    `SELECT count(*) AS n FROM ${table} WHERE project_id = ?${where ? ` AND ${where[0]} = ?` : ""}`,
    where ? [projectId, where[1]] : [projectId],
  );
  return Number(row?.n);
}

const DIE = fileURLToPath(new URL("./lifecycle-and-die.ts", import.meta.url));

/** Run an erasure or a sweep in a child process that SIGKILLs itself after `killAfter` statements. */
export async function dieMidway(where: string, job: "erase" | "sweep", killAfter: number, nowMs: number) {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", DIE, where, job, String(killAfter), String(nowMs)],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  assert.equal(signal, "SIGKILL", `the ${job} was not killed (exit ${code}): ${stderr}`);
}
