import { type Command, Option } from "commander";
import { SqlDeliveryStore } from "../delivery/delivery-store.js";
import type { DeliveryStore } from "../delivery/delivery-types.js";
import { DESTINATION_TYPES, type DestinationType } from "../delivery/destination.js";
import {
  backfillSetting,
  createSetting,
  parkedBatches,
  requireSetting,
  selectTypes,
  settingView,
  testSetting,
  updateSetting,
} from "../delivery/manage-settings.js";
import type { OutboundPolicy } from "../delivery/outbound-policy.js";
import { parseBackfillFrom, parseSettingInput, parseSettingPatch } from "../delivery/settings.js";
import { AftercallError } from "../errors.js";
import type { Project } from "../projects/project.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { Database } from "../store/database.js";

interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

/** What the settings commands borrow from the CLI's entry point. */
export interface CliTools {
  storeOptions(command: Command): Command;
  withStore<T>(options: StoreOptions, fn: (db: Database) => Promise<T>): Promise<T>;
  requireProject(db: Database, id: string): Promise<Project>;
  print(value: unknown): void;
  /** The server's secret key (created on first use), checked against the store. */
  secrets(db: Database, options: StoreOptions): Promise<SecretBox>;
  /** The outbound policy the configuration (AFTERCALL_OUTBOUND_ALLOW) gives a server. */
  outbound(): OutboundPolicy;
}

type SettingFlags = StoreOptions & {
  project: string;
  name?: string;
  format?: string;
  categories?: string;
  backfillFrom?: string;
  destination?: string[];
};

/** `--destination webhook='{"url":…}'` (repeatable) into the API's `destinations` object. */
function destinationsFrom(values: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    const type = eq > 0 ? value.slice(0, eq) : "";
    if (!(DESTINATION_TYPES as readonly string[]).includes(type))
      throw new AftercallError(
        "INVALID_PARAMETER",
        `--destination must look like <type>=<json>, with type one of ${DESTINATION_TYPES.join(", ")}.`,
      );
    try {
      out[type] = JSON.parse(value.slice(eq + 1));
    } catch {
      throw new AftercallError(
        "INVALID_PARAMETER",
        `--destination ${type}: the configuration is not valid JSON.`,
      );
    }
  }
  return out;
}

/** The API body a create or update command describes with flags; only flags given are set. */
function bodyFrom(o: SettingFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (o.name !== undefined) body.name = o.name;
  if (o.format !== undefined) body.format = o.format;
  if (o.categories !== undefined) body.categories = o.categories.split(",").map((c) => c.trim());
  if (o.backfillFrom !== undefined) body.backfillFrom = o.backfillFrom;
  const destinations = destinationsFrom(o.destination);
  if (destinations) body.destinations = destinations;
  return body;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `aftercall settings …`: diagnostic settings, the same operations as the admin API. */
export function registerSettingsCommands(program: Command, t: CliTools): void {
  const settings = program
    .command("settings")
    .description("Diagnostic settings: route a project's surveys to streams, archives and webhooks.");
  const command = (name: string, description: string) =>
    t
      .storeOptions(settings.command(name).description(description))
      .requiredOption("--project <id>", "project id");
  const destinationFlag = () =>
    new Option("--destination <type>", "only this destination of the setting").choices([
      ...DESTINATION_TYPES,
    ]);
  const withSetting = (
    o: StoreOptions & { project: string },
    id: string,
    fn: (store: DeliveryStore, p: Project, s: Awaited<ReturnType<typeof requireSetting>>) => Promise<void>,
  ): Promise<void> =>
    t.withStore(o, async (db) => {
      const store = new SqlDeliveryStore(db, await t.secrets(db, o));
      const project = await t.requireProject(db, o.project);
      return fn(store, project, await requireSetting(store, project.id, id));
    });

  command("list", "List the project's settings with each destination's status (no secrets).").action(
    (o: SettingFlags) =>
      t.withStore(o, async (db) => {
        const store = new SqlDeliveryStore(db, await t.secrets(db, o));
        const project = await t.requireProject(db, o.project);
        const items = await store.listSettings(project.id);
        t.print(await Promise.all(items.map((s) => settingView(store, s))));
      }),
  );

  command("create", "Create a setting (at most 5 per project).")
    .requiredOption("--name <name>", "unique name within the project")
    .option("--format <format>", "acs (Azure resource-log records) or native", "acs")
    .option("--categories <list>", "CallSurvey, CallSurveyEvent or allLogs, comma-separated", "CallSurvey")
    .option("--backfill-from <time>", "also deliver what was stored since this ISO 8601 time")
    .option("--destination <type=json>", "a destination and its configuration (repeatable)", collect)
    .addHelpText(
      "after",
      `\nExample:\n  aftercall settings create --project demo --name to-webhook \\\n    --destination 'webhook={"url":"https://hooks.example.com/aftercall","secret":"whsec_…"}'`,
    )
    .action((o: SettingFlags) =>
      t.withStore(o, async (db) => {
        const store = new SqlDeliveryStore(db, await t.secrets(db, o));
        const project = await t.requireProject(db, o.project);
        // The CLI opens the store itself: it acts as the operator.
        const created = await createSetting(store, project, parseSettingInput(bodyFrom(o)), {
          operator: true,
          outbound: t.outbound(),
        });
        t.print(await settingView(store, created));
      }),
    );

  command("update", "Change a setting's name, format, categories or destinations (type=null removes one).")
    .argument("<settingId>")
    .option("--name <name>")
    .option("--format <format>")
    .option("--categories <list>")
    .option(
      "--destination <type=json>",
      "add or reconfigure a destination; omitted secrets are kept",
      collect,
    )
    .action((id: string, o: SettingFlags) =>
      t.withStore(o, async (db) => {
        const store = new SqlDeliveryStore(db, await t.secrets(db, o));
        const project = await t.requireProject(db, o.project);
        const updated = await updateSetting(store, project, id, parseSettingPatch(bodyFrom(o)), {
          operator: true,
          outbound: t.outbound(),
        });
        t.print(await settingView(store, updated));
      }),
    );

  command("delete", "Delete a setting with its cursors and parked batches.")
    .argument("<settingId>")
    .action((id: string, o: SettingFlags) =>
      t.withStore(o, async (db) => {
        const store = new SqlDeliveryStore(db, await t.secrets(db, o));
        if (!(await store.deleteSetting(o.project, id)))
          throw new AftercallError(
            "NOT_FOUND",
            `Diagnostic setting ${id} was not found in project ${o.project}.`,
          );
        process.stderr.write(`Deleted ${id}.\n`);
      }),
    );

  command("test", "Send one test record to each destination now and report the outcome.")
    .argument("<settingId>")
    .addOption(destinationFlag())
    .action((id: string, o: SettingFlags & { destination?: DestinationType }) =>
      withSetting(o, id, async (_store, project, s) => {
        const results = await testSetting(project, s, selectTypes(s, o.destination), t.outbound());
        t.print(results);
        if (results.some((r) => !r.ok)) process.exitCode = 1;
      }),
    );

  for (const action of ["pause", "resume"] as const) {
    command(action, `${action === "pause" ? "Stop" : "Restart"} delivery to the setting's destinations.`)
      .argument("<settingId>")
      .addOption(destinationFlag())
      .action((id: string, o: SettingFlags & { destination?: DestinationType }) =>
        withSetting(o, id, async (store, _p, s) => {
          await store.setPaused(s.id, selectTypes(s, o.destination), action === "pause");
          t.print(await settingView(store, await requireSetting(store, s.projectId, s.id)));
        }),
      );
  }

  command("backfill", "Deliver again everything stored since a time (at least once).")
    .argument("<settingId>")
    .requiredOption("--from <time>", "ISO 8601 time, e.g. 2026-11-01T00:00:00Z")
    .addOption(destinationFlag())
    .action((id: string, o: SettingFlags & { from: string; destination?: DestinationType }) =>
      withSetting(o, id, async (store, _p, s) => {
        await backfillSetting(store, s, selectTypes(s, o.destination), parseBackfillFrom({ from: o.from }));
        t.print(await settingView(store, await requireSetting(store, s.projectId, s.id)));
      }),
    );

  command("parked", "List batches parked after failing too often, with their errors.")
    .argument("<settingId>")
    .action((id: string, o: SettingFlags) =>
      withSetting(o, id, async (store, _p, s) => t.print(await parkedBatches(store, s))),
    );

  command("retry", "Ask the servers to deliver parked batches again.")
    .argument("<settingId>")
    .option("--parked <id>", "only this parked batch")
    .action((id: string, o: SettingFlags & { parked?: string }) =>
      withSetting(o, id, async (store, _p, s) => {
        const n = await store.requestParkedRetry(s.id, o.parked);
        if (o.parked && n === 0)
          throw new AftercallError("NOT_FOUND", `Parked batch ${o.parked} was not found in setting ${s.id}.`);
        process.stderr.write(`Retry requested for ${n} parked batch${n === 1 ? "" : "es"}.\n`);
      }),
    );
}
