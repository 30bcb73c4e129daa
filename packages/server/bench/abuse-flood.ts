/**
 * The attacker of `bench:abuse` (bench/abuse.ts), run as its own process so that its work never delays
 * the well-behaved client's event loop: for a fixed time, from one client address, it sends everything
 * issue #11 found harmful, never honouring `Retry-After`:
 *   - single surveys (valid key) on keep-alive connections, as fast as they are answered;
 *   - batches of 500 surveys (~300 KB each);
 *   - forged `shown` lifecycle events, 100 per request;
 *   - slow bodies: connections that send the headers and a few bytes, then one byte a second;
 *   - 4 MiB batch bodies with a bad key.
 * It tallies every answer per kind (status and error code, or the socket error) and prints them as one
 * JSON line on stdout when done. Argument: the {@link FloodPlan} as JSON.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { SurveyBodies } from "./survey-body.js";

/** What to flood, from where and for how long. */
export interface FloodPlan {
  url: string;
  /** The flood's own (valid) ingest key. */
  ingestKey: string;
  /** The address the flood's sockets are bound to. */
  localAddress: string;
  seconds: number;
  /** Concurrent senders per kind. */
  single: number;
  batch: number;
  events: number;
  slow: number;
  badKey: number;
}

/** What one kind of flood request got: answers by "status CODE" (or "error ECODE"), and their count. */
export interface FloodTally {
  requests: number;
  answers: Record<string, number>;
  /** Surveys or events the server stored for this kind (2xx). */
  stored: number;
}

export type FloodKind = "single" | "batch" | "events" | "slow" | "badKey";

export interface FloodResult {
  seconds: number;
  kinds: Record<FloodKind, FloodTally>;
  /** CPU seconds the flood process used (user + system). */
  cpuSeconds: number;
}

const MiB = 1024 * 1024;
const BATCH_SIZE = 500;
const EVENTS_PER_REQUEST = 100;

function tally(): FloodTally {
  return { requests: 0, answers: {}, stored: 0 };
}

function count(t: FloodTally, answer: string, stored = 0): void {
  t.requests++;
  t.answers[answer] = (t.answers[answer] ?? 0) + 1;
  t.stored += stored;
}

/** "429 RATE_LIMITED" from a status and an error body; "201" for a success. */
function answerOf(status: number, body: string): string {
  if (status < 400) return String(status);
  const code = /"code"\s*:\s*"([A-Z_]+)"/.exec(body)?.[1];
  return code ? `${status} ${code}` : String(status);
}

/** POST `body` on `agent`; resolves with the answer and the body text (never rejects). */
function post(
  plan: FloodPlan,
  agent: Agent,
  path: string,
  body: string,
): Promise<{ answer: string; status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(
      `${plan.url}${path}`,
      {
        method: "POST",
        agent,
        headers: {
          "x-aftercall-key": plan.ingestKey,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ answer: answerOf(res.statusCode ?? 0, text), status: res.statusCode ?? 0, text });
        });
        res.on("error", (error: NodeJS.ErrnoException) =>
          resolve({ answer: `error ${error.code ?? error.message}`, status: 0, text: "" }),
        );
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ answer: `error ${error.code ?? error.message}`, status: 0, text: "" }),
    );
    req.end(body);
  });
}

function batchBody(bodies: SurveyBodies): string {
  return `{"surveys":[${Array.from({ length: BATCH_SIZE }, () => bodies.next().body).join(",")}]}`;
}

function eventsBody(): string {
  const clientTime = new Date().toISOString();
  const events = Array.from({ length: EVENTS_PER_REQUEST }, () => ({
    id: randomUUID(),
    type: "shown",
    callId: `forged-${randomUUID()}`,
    participantId: "forged",
    clientTime,
  }));
  return JSON.stringify({ events });
}

/**
 * One raw connection: `head` (request line and headers) and `first` body bytes, then `drip` (one more
 * byte a second) until the server answers or closes, or `stop` fires. Resolves with the answer.
 */
function rawExchange(
  plan: FloodPlan,
  head: string,
  first: Buffer | string,
  drip: boolean,
  stopped: () => boolean,
): Promise<string> {
  const { hostname, port } = new URL(plan.url);
  return new Promise((resolve) => {
    let data = "";
    let settled = false;
    const socket = connect({ host: hostname, port: Number(port), localAddress: plan.localAddress });
    let dripper: NodeJS.Timeout | undefined;
    const watch = setInterval(() => {
      if (stopped()) finish("unfinished at the end");
    }, 250);
    const finish = (answer: string) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      if (dripper) clearInterval(dripper);
      socket.destroy();
      resolve(answer);
    };
    const statusAnswer = () => {
      const [headText = "", bodyText = ""] = data.split("\r\n\r\n", 2);
      return answerOf(Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0), bodyText);
    };
    socket.on("connect", () => {
      socket.write(`${head}\r\n\r\n`);
      socket.write(first);
      if (drip) dripper = setInterval(() => socket.write(" "), 1000);
    });
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString();
      // The error bodies are small: wait for their end (the server closes) or a moment after the head.
      if (data.includes("\r\n\r\n")) setTimeout(() => finish(statusAnswer()), 200);
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      finish(data.includes("\r\n\r\n") ? statusAnswer() : `error ${error.code ?? error.message}`),
    );
    socket.on("close", () => finish(data.includes("\r\n\r\n") ? statusAnswer() : "closed without answer"));
  });
}

/** Run the flood for `plan.seconds` and return what it got. */
export async function flood(plan: FloodPlan): Promise<FloodResult> {
  const endAt = performance.now() + plan.seconds * 1000;
  const stopped = () => performance.now() >= endAt;
  const kinds: Record<FloodKind, FloodTally> = {
    single: tally(),
    batch: tally(),
    events: tally(),
    slow: tally(),
    badKey: tally(),
  };
  const agent = (sockets: number) =>
    new Agent({ keepAlive: true, maxSockets: sockets, localAddress: plan.localAddress });
  const singleAgent = agent(plan.single);
  const batchAgent = agent(plan.batch);
  const eventsAgent = agent(plan.events);
  const bodies = new SurveyBodies();
  const host = new URL(plan.url).host;
  const badKeyHead = [
    "POST /v1/surveys/batch HTTP/1.1",
    `Host: ${host}`,
    "x-aftercall-key: ac_pk_notavalidkey000000000000000000",
    "content-type: application/json",
    `content-length: ${4 * MiB}`,
  ].join("\r\n");
  const badKeyBody = Buffer.alloc(4 * MiB, 0x20);
  badKeyBody.write('{"surveys":[', 0);
  const slowHead = (path: string) =>
    [
      `POST ${path} HTTP/1.1`,
      `Host: ${host}`,
      `x-aftercall-key: ${plan.ingestKey}`,
      "content-type: application/json",
      "content-length: 4000",
    ].join("\r\n");

  const loop = async (senders: number, send: (i: number) => Promise<void>) => {
    await Promise.all(
      Array.from({ length: senders }, async (_, i) => {
        while (!stopped()) await send(i);
      }),
    );
  };
  const cpuBefore = process.cpuUsage();
  await Promise.all([
    loop(plan.single, async () => {
      const { answer, status } = await post(plan, singleAgent, "/v1/surveys", bodies.next().body);
      count(kinds.single, answer, status === 201 ? 1 : 0);
    }),
    loop(plan.batch, async () => {
      const { answer, status, text } = await post(plan, batchAgent, "/v1/surveys/batch", batchBody(bodies));
      count(kinds.batch, answer, status === 200 ? (text.match(/"created":true/g)?.length ?? 0) : 0);
    }),
    loop(plan.events, async () => {
      const { answer, status, text } = await post(plan, eventsAgent, "/v1/events", eventsBody());
      const created = status === 200 ? Number(/"created"\s*:\s*(\d+)/.exec(text)?.[1] ?? 0) : 0;
      count(kinds.events, answer, created);
    }),
    loop(plan.slow, async (i) => {
      const path = i % 2 === 0 ? "/v1/surveys" : "/v1/events";
      const answer = await rawExchange(plan, slowHead(path), '{"', true, stopped);
      count(kinds.slow, answer);
      // Refused at once (rate limit, connection cap): a short pause, so the slow senders stay slow
      // connections rather than becoming a connection-churn flood of their own.
      if (!answer.startsWith("408") && !answer.startsWith("unfinished")) await sleep(100);
    }),
    loop(plan.badKey, async () => {
      count(kinds.badKey, await rawExchange(plan, badKeyHead, badKeyBody, false, stopped));
    }),
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  for (const a of [singleAgent, batchAgent, eventsAgent]) a.destroy();
  return { seconds: plan.seconds, kinds, cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100 };
}

// Run as a process: the plan in argv, the result as one JSON line on stdout.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const plan = JSON.parse(process.argv[2] as string) as FloodPlan;
  process.stderr.write("flood: started\n");
  const result = await flood(plan);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
