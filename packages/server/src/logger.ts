import { type Logger, pino } from "pino";
import type { ServerConfig } from "./config.js";

/**
 * The server's JSON logger. Request and reply objects are reduced to ids: URLs may carry a publishable
 * key and bodies carry personal text, so neither is ever logged.
 */
export function createLogger(level: ServerConfig["logLevel"], destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: "aftercall" },
    serializers: {
      req: (req: { id?: string; method?: string }) => ({ id: req.id, method: req.method }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    redact: { paths: ["headers.authorization", "*.authorization", "token", "*.token"], censor: "[redacted]" },
  };
  // Synchronous stdout: lines are never lost in a crash, and a closed pipe (e.g. `| head`) cannot make
  // pino's exit-time flush retry EPIPE forever and hang shutdown.
  return pino(
    options,
    (destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: true }),
  );
}
