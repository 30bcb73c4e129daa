/**
 * `@aftercall/server`: the HTTP API, the stores and the pieces the CLI is built from.
 *
 * @module
 */
export { type App, type AppOptions, createApp } from "./app.js";
export { ConfigError, loadConfig, type ServerConfig } from "./config.js";
export { AftercallError, ERROR_STATUS, type ErrorBody, type ErrorCode } from "./errors.js";
export { createLogger } from "./logger.js";
export { openStore, type StoreLocation } from "./open-store.js";
export { createProject, issueKey } from "./projects/manage-projects.js";
export type * from "./projects/project.js";
export { type RunningServer, startServer } from "./server.js";
export type { Database } from "./store/database.js";
