import { memoryStorage, type SurveyClientOptions, type SurveyStorage } from "../src/index.js";

/** One request the client made. */
export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  keepalive: boolean | undefined;
}

type Reply = Response | Promise<Response> | "network-error";

/**
 * A fetch that records requests and answers with `reply(call, n)`, where `n` counts requests to the
 * same path (0 for the first).
 */
export function fakeFetch(reply: (call: Call, n: number) => Reply = () => json(201, {})) {
  const calls: Call[] = [];
  const fetcher = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const call: Call = {
      url: String(input),
      method: init.method ?? "GET",
      headers: init.headers as Record<string, string>,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      keepalive: init.keepalive,
    };
    const path = new URL(call.url).pathname;
    const n = calls.filter((c) => new URL(c.url).pathname === path).length;
    calls.push(call);
    const answer = await reply(call, n);
    if (answer === "network-error") throw new TypeError("fetch failed");
    return answer;
  }) as typeof globalThis.fetch;
  const to = (path: string) => calls.filter((c) => new URL(c.url).pathname === path);
  return { fetch: fetcher, calls, surveys: () => to("/v1/surveys"), events: () => to("/v1/events") };
}

/** The survey id of a recorded survey request. */
export const idOf = (sent: Call | undefined): string | undefined =>
  (sent?.body as { id?: string } | undefined)?.id;

/** The events of a recorded events request. */
export const eventsOf = (sent: Call | undefined): Record<string, unknown>[] =>
  (sent?.body as { events?: Record<string, unknown>[] } | undefined)?.events ?? [];

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** Options with fast retries, for a fake fetch and a shared storage. */
export function options(
  fetch: typeof globalThis.fetch,
  storage: SurveyStorage = memoryStorage(),
  extra: Partial<SurveyClientOptions> = {},
): SurveyClientOptions {
  return {
    endpoint: "https://surveys.example.com/",
    projectKey: "ac_pk_test",
    fetch,
    storage,
    retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  };
}

/** Wait until `condition` holds, polling; fails after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const call = { callId: "call-1", participantId: "alice" };
