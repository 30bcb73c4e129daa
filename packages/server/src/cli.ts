#!/usr/bin/env node
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import type { SurveyRecord } from "@aftercall/schema";
import { Command, Option } from "commander";
import { registerAlertCommands } from "./cli/alert-commands.js";
import { insertDemoData, wholeNumber } from "./cli/demo-data.js";
import { importSurveys } from "./cli/import-surveys.js";
import { registerLifecycleCommands } from "./cli/lifecycle-commands.js";
import { cappedLineReporter } from "./cli/line-reporter.js";
import { registerSecretsCommands } from "./cli/secrets-commands.js";
import { registerSettingsCommands } from "./cli/settings-commands.js";
import { ConfigError, describeStore, loadConfig, type ServerConfig } from "./config.js";
import { OutboundPolicy } from "./delivery/outbound-policy.js";
import { AftercallError } from "./errors.js";
import { EXPORT_FORMATS, type ExportFormat, formatRecord } from "./export-format.js";
import { CSV_COLUMNS, csvCells, csvField } from "./http/csv-export.js";
import { toSurveyQuery } from "./http/survey-query.js";
import { effectiveLimits, setProjectLimits } from "./limits/project-limits.js";
import { DEFAULT_RATE_LIMITS } from "./limits/rate-limits.js";
import { openStore } from "./open-store.js";
import { createProject, issueKey } from "./projects/manage-projects.js";
import type { Project } from "./projects/project.js";
import { getProject, listApiKeys, listProjects, revokeApiKey } from "./projects/project-store.js";
import { SecretKeyError } from "./secrets/secret-box.js";
import { openSecrets, startServer } from "./server.js";
import type { Database } from "./store/database.js";
import { exportSurveys } from "./surveys/survey-reads.js";

interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

function configFrom(
  options: StoreOptions & { host?: string; port?: string; delivery?: boolean },
): ServerConfig {
  const overrides: Record<string, string> = {};
  if (options.delivery === false) overrides.AFTERCALL_DELIVERY = "off";
  if (options.dataDir) overrides.AFTERCALL_DATA_DIR = options.dataDir;
  if (options.databaseUrl) overrides.DATABASE_URL = options.databaseUrl;
  if (options.host) overrides.AFTERCALL_HOST = options.host;
  if (options.port) overrides.AFTERCALL_PORT = options.port;
  return loadConfig(process.env, overrides);
}

/** Run `fn` with the configured store open, closing it afterwards. */
async function withStore<T>(options: StoreOptions, fn: (db: Database) => Promise<T>): Promise<T> {
  const store = await openStore(configFrom(options).store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function requireProject(db: Database, id: string): Promise<Project> {
  const project = await getProject(db, id);
  if (!project)
    throw new AftercallError(
      "NOT_FOUND",
      `Project "${id}" was not found. List projects with: npx aftercall projects list`,
    );
  return project;
}

/** One CSV row as the HTTP export writes it (RFC 4180, CRLF). */
const csvLine = (cells: ReadonlyArray<Parameters<typeof csvField>[0]>) =>
  `${cells.map(csvField).join(",")}\r\n`;

/** A command-line JSON argument, or INVALID_JSON naming the option. */
function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AftercallError("INVALID_JSON", `--set must be JSON, e.g. '{"dailySurveys":100000}'.`);
  }
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function storeOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--data-dir <dir>", "SQLite data directory").env("AFTERCALL_DATA_DIR").default(".aftercall"),
    )
    .addOption(new Option("--database-url <url>", "use PostgreSQL instead of SQLite").env("DATABASE_URL"));
}

/** Surveys a brand-new store's demo project starts with, so the dashboard has something to show. */
const FIRST_RUN_DEMO_SURVEYS = 5000;

async function serve(
  options: StoreOptions & { host?: string; port?: string; demoData?: boolean; delivery?: boolean },
): Promise<void> {
  const server = await startServer(configFrom(options));
  let seeded = 0;
  if (server.firstProject && options.demoData !== false) {
    const totals = await insertDemoData(server.db, server.firstProject.project, {
      surveys: FIRST_RUN_DEMO_SURVEYS,
      days: 30,
      seed: 1,
    });
    seeded = totals.created;
  }
  const lines = [
    `Aftercall is running at ${server.url}`,
    `  store:     ${describeStore(configFrom(options).store)}`,
    `  dashboard: ${server.url}/  (sign in with an admin token)`,
    `  API:       ${server.url}/openapi.json`,
    `  demo:      ${server.url}/demo  (a simulated call with the survey widget)`,
  ];
  if (server.firstProject) {
    const { project, ingestKey, adminToken } = server.firstProject;
    lines.push(
      `Created project "${project.id}" (the store was empty)${seeded > 0 ? ` with ${seeded} generated demo surveys (--no-demo-data to start empty)` : ""}:`,
      `  ingest key  (publishable, submit only): ${ingestKey.token}`,
      `  admin token (secret, shown once):       ${adminToken.token}`,
      `Try: curl -X POST ${server.url}/v1/surveys -H 'authorization: Bearer ${ingestKey.token}' -H 'content-type: application/json' \\`,
      `       -d '{"id":"${crypto.randomUUID()}","callId":"call-1","participantId":"p-1","clientTime":"${new Date().toISOString()}","overallRating":{"score":4}}'`,
    );
  } else {
    lines.push(
      "  keys:  npx aftercall keys list --project <id>   (new admin token: npx aftercall keys create --project <id> --kind admin)",
    );
  }
  process.stderr.write(`\n${lines.join("\n")}\n\n`);
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    server.logger.info({ signal }, "shutting down: finishing in-flight commits");
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

function buildProgram(): Command {
  const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
  const program = new Command("aftercall")
    .description("Self-hosted end-of-call surveys: ingestion server, storage and tools.")
    .version(version)
    .showHelpAfterError();

  storeOptions(
    program
      .command("serve")
      .description("Run the HTTP server (creates a first project when the store is empty)."),
  )
    .addOption(
      new Option("--host <host>", "interface to listen on").env("AFTERCALL_HOST").default("127.0.0.1"),
    )
    // No commander default: it would always win over PORT, which loadConfig reads after AFTERCALL_PORT.
    .addOption(
      new Option(
        "--port <port>",
        "port to listen on (0 = any free port; default: $AFTERCALL_PORT, else $PORT, else 8787)",
      ).env("AFTERCALL_PORT"),
    )
    .option("--no-delivery", "do not deliver to diagnostic settings' destinations from this process")
    .option(
      "--no-demo-data",
      "start a brand-new store's demo project empty instead of with generated surveys",
    )
    .action(serve);

  storeOptions(
    program
      .command("demo-data")
      .description(
        "Generate realistic demo surveys and lifecycle events (weekly rhythm, a bad release 2.4.0, tag correlations).",
      ),
  )
    .requiredOption("--project <id>", "project id")
    .requiredOption("--surveys <n>", "how many surveys")
    .option("--days <n>", "spread over this many days before now", "30")
    .option("--seed <n>", "random seed: the same seed and time give the same surveys", "1")
    .action(async (o: StoreOptions & { project: string; surveys: string; days: string; seed: string }) => {
      const options = {
        surveys: wholeNumber("--surveys", o.surveys, 10_000_000),
        days: wholeNumber("--days", o.days, 3650),
        seed: wholeNumber("--seed", o.seed, 2 ** 31),
      };
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        const started = Date.now();
        const totals = await insertDemoData(store, project, options);
        process.stderr.write(
          `Generated ${totals.created} surveys (${totals.duplicates} already present, ${totals.conflicts} ids taken by other content) and ${totals.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
        );
      });
    });

  const projects = program
    .command("projects")
    .description("Create and list projects (one per app or tenant).");
  storeOptions(
    projects.command("create").description("Create a project with an ingest key and an admin token."),
  )
    .requiredOption("--name <name>", "display name")
    .option("--id <id>", "project id (default: derived from the name)")
    .option("--allowed-origin <origin...>", "browser origins allowed to submit (default: any)")
    .option("--allow-missing-overall", "accept surveys without overallRating (ACS web behaviour)")
    .option("--resource-id <id>", "Azure resource id to write into ACS-format records")
    .action(
      async (
        o: StoreOptions & {
          name: string;
          id?: string;
          allowedOrigin?: string[];
          allowMissingOverall?: boolean;
          resourceId?: string;
        },
      ) => {
        await withStore(o, async (store) => {
          print(
            await createProject(store, {
              name: o.name,
              ...(o.id ? { id: o.id } : {}),
              ...(o.allowedOrigin ? { allowedOrigins: o.allowedOrigin } : {}),
              requireOverallRating: !o.allowMissingOverall,
              ...(o.resourceId ? { resourceId: o.resourceId } : {}),
            }),
          );
        });
      },
    );
  storeOptions(projects.command("list").description("List projects.")).action(async (o: StoreOptions) => {
    await withStore(o, async (store) => print(await listProjects(store)));
  });

  storeOptions(
    projects
      .command("limits")
      .description("Show a project's rate limits and daily quotas; --set replaces its overrides."),
  )
    .requiredOption("--project <id>", "project id")
    .option(
      "--set <json>",
      'overrides as JSON, e.g. \'{"surveysPerKey":{"perSecond":50,"burst":500},"dailySurveys":100000}\'; "{}" removes them',
    )
    .action(async (o: StoreOptions & { project: string; set?: string }) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        const overrides =
          o.set === undefined ? project.limits : await setProjectLimits(store, project.id, json(o.set));
        print({
          overrides,
          effective: effectiveLimits(configFrom(o).rateLimits ?? DEFAULT_RATE_LIMITS, overrides),
        });
      });
    });

  const keys = program.command("keys").description("List, create and revoke a project's keys.");
  storeOptions(keys.command("list").description("List keys (admin tokens show only their prefix)."))
    .requiredOption("--project <id>", "project id")
    .action(async (o: StoreOptions & { project: string }) => {
      await withStore(o, async (store) =>
        print(await listApiKeys(store, (await requireProject(store, o.project)).id)),
      );
    });
  storeOptions(keys.command("create").description("Create a key; an admin token is shown only now."))
    .requiredOption("--project <id>", "project id")
    .addOption(
      new Option("--kind <kind>", "ingest (publishable) or admin (secret)")
        .choices(["ingest", "admin"])
        .makeOptionMandatory(),
    )
    .option("--label <label>", "what the key is for", "")
    .action(async (o: StoreOptions & { project: string; kind: "ingest" | "admin"; label: string }) => {
      await withStore(o, async (store) =>
        print(await issueKey(store, (await requireProject(store, o.project)).id, o.kind, o.label)),
      );
    });
  storeOptions(
    keys
      .command("revoke")
      .description("Revoke a key (servers stop accepting it within their key cache time)."),
  )
    .requiredOption("--project <id>", "project id")
    .argument("<keyId>", "key id from `keys list`")
    .action(async (keyId: string, o: StoreOptions & { project: string }) => {
      await withStore(o, async (store) => {
        if (!(await revokeApiKey(store, o.project, keyId)))
          throw new AftercallError("NOT_FOUND", `Active key ${keyId} was not found in project ${o.project}.`);
        process.stderr.write(`Revoked ${keyId}.\n`);
      });
    });

  const surveys = program.command("surveys").description("Export surveys as NDJSON or CSV; import NDJSON.");
  storeOptions(
    surveys.command("export").description("Write a project's surveys as NDJSON (or CSV), oldest first."),
  )
    .requiredOption("--project <id>", "project id")
    .addOption(
      new Option(
        "--format <format>",
        "native records or Azure resource-log (ACS) records as NDJSON, or CSV (the columns of the HTTP export)",
      )
        .choices([...EXPORT_FORMATS, "csv"])
        .default("native"),
    )
    .option("--from <time>", "received at or after (ISO date-time)")
    .option("--to <time>", "received before (ISO date-time)")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(
      async (
        o: StoreOptions & {
          project: string;
          format: ExportFormat | "csv";
          from?: string;
          to?: string;
          output?: string;
        },
      ) => {
        await withStore(o, async (store) => {
          const project = await requireProject(store, o.project);
          const query = toSurveyQuery({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
          const out = o.output ? createWriteStream(o.output) : process.stdout;
          const format = o.format;
          const line =
            format === "csv"
              ? (record: SurveyRecord) => csvLine(csvCells(record))
              : (record: SurveyRecord) => `${formatRecord(record, format, project)}\n`;
          if (format === "csv") out.write(csvLine(CSV_COLUMNS));
          let count = 0;
          for await (const record of exportSurveys(store, project.id, query)) {
            if (!out.write(line(record))) await once(out, "drain");
            count++;
          }
          if (o.output) await new Promise<void>((resolve) => out.end(resolve));
          process.stderr.write(`Exported ${count} surveys.\n`);
        });
      },
    );
  storeOptions(
    surveys
      .command("import")
      .description("Import NDJSON surveys (native records, ACS records or submissions); idempotent."),
  )
    .requiredOption("--project <id>", "project id")
    .option("-i, --input <file>", "read from a file instead of stdin")
    .action(async (o: StoreOptions & { project: string; input?: string }) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        const input = o.input ? createReadStream(o.input) : process.stdin;
        const lines = cappedLineReporter((text) => process.stderr.write(text));
        const totals = await importSurveys(store, project, input, lines.report);
        for (const omitted of lines.omitted()) process.stderr.write(`${omitted}\n`);
        process.stderr.write(
          `Imported: ${totals.created} new, ${totals.duplicates} already present, ${totals.conflicts} conflicts, ${totals.invalid} invalid.\n`,
        );
        if (totals.conflictsWithAcsImport > 0)
          process.stderr.write(
            `${totals.conflictsWithAcsImport} of the conflicts are surveys stored with the same ratings and tags but without free text, dimensions, app context or client time: the ACS format does not carry those, so an earlier import of ACS-format records stored the surveys without them. A stored survey is never overwritten; to keep the complete records, import this file into a new project (npx aftercall projects create) instead.\n`,
          );
        if (totals.conflicts > 0 || totals.invalid > 0) process.exitCode = 1;
      });
    });

  const tools = {
    storeOptions,
    withStore,
    requireProject,
    print,
    secrets: (db: Database, options: StoreOptions) => openSecrets(db, configFrom(options)),
    outbound: () => {
      const allow = loadConfig(process.env).outboundAllow;
      return new OutboundPolicy(allow ? { allow } : {});
    },
  };
  registerSettingsCommands(program, tools);
  registerLifecycleCommands(program, tools);
  registerSecretsCommands(program, tools);
  registerAlertCommands(program, tools);
  return program;
}

buildProgram()
  .parseAsync()
  .catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof AftercallError || error instanceof SecretKeyError) {
      process.stderr.write(`aftercall: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`aftercall: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
