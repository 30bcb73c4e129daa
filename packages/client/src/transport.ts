import { httpError, networkError } from "./errors.js";
import type { SurveyError } from "./types.js";

/** What one POST came to: delivered, or failed, and whether trying again may help. */
export type Outcome =
  | { ok: true }
  | { ok: false; retry: boolean; error: SurveyError; retryAfterMs?: number | undefined };

export interface Transport {
  /** POST JSON with the ingest key; never rejects. */
  post(path: string, body: unknown): Promise<Outcome>;
  /** GET JSON with the ingest key; `undefined` on any failure. */
  get(path: string): Promise<unknown>;
  /** Hand a POST to the browser to finish after the page is gone; fire and forget. */
  beacon(path: string, body: unknown): void;
}

/** Browsers cap the bodies of all pending keepalive requests at 64 KiB together; stay below. */
const KEEPALIVE_MAX_BODY = 60_000;
/** A server that does not answer within this long is treated as unreachable (the survey stays queued). */
const TIMEOUT_MS = 10_000;

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; `undefined` when absent or past. */
export function parseRetryAfter(value: string | null): number | undefined {
  const ms = value ? (/^\d+$/.test(value) ? +value * 1000 : Date.parse(value) - Date.now()) : 0;
  return ms > 0 ? ms : undefined;
}

/** HTTP to one Aftercall server with one project's ingest key. */
export function createTransport(endpoint: string, projectKey: string, fetcher: typeof fetch): Transport {
  const base = endpoint.replace(/\/+$/, "");
  const request = (path: string, init?: RequestInit) =>
    fetcher(base + path, {
      ...init,
      headers: { authorization: `Bearer ${projectKey}`, "content-type": "application/json" },
      signal: AbortSignal.timeout?.(TIMEOUT_MS),
    });
  return {
    async post(path, body) {
      const json = JSON.stringify(body);
      let response: Response;
      try {
        response = await request(path, {
          method: "POST",
          body: json,
          keepalive: json.length < KEEPALIVE_MAX_BODY,
        });
      } catch {
        return { ok: false, retry: true, error: networkError() };
      }
      if (response.ok) return { ok: true };
      const { status } = response;
      return {
        ok: false,
        // 5xx and 429 may succeed later; every other 4xx never will, so it is never retried.
        retry: status === 429 || status >= 500,
        error: httpError(status, await response.json().catch(() => {})),
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
      };
    },
    get: (path) =>
      request(path)
        .then((response) => (response.ok ? response.json() : undefined))
        .catch(() => {}),
    beacon(path, body) {
      // sendBeacon cannot set headers: the key goes in the query and the JSON as text/plain, which the
      // server accepts and which needs no CORS preflight.
      globalThis.navigator?.sendBeacon?.(
        `${base}${path}?key=${encodeURIComponent(projectKey)}`,
        new Blob([JSON.stringify(body)], { type: "text/plain" }),
      );
    },
  };
}
