import type { Command } from "commander";
import { createRule, deleteRule, listHistory, ruleViews } from "../alerts/rule-store.js";
import { AftercallError } from "../errors.js";
import { wholeNumber } from "./demo-data.js";
import type { CliTools } from "./settings-commands.js";

interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

type CreateFlags = StoreOptions & {
  project: string;
  rule?: string;
  name?: string;
  category?: string;
  windowMinutes?: string;
  filter?: string;
  disabled?: boolean;
};

function json(flag: string, raw: string): Record<string, unknown> {
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AftercallError("INVALID_PARAMETER", `${flag} must be a JSON object.`);
}

/** `aftercall alerts list|create|delete|history`. */
export function registerAlertCommands(program: Command, tools: CliTools): void {
  const { storeOptions, withStore, requireProject, print } = tools;
  const alerts = program
    .command("alerts")
    .description("Alert rules on the poor-rate of a project's ratings, their state and history.");

  storeOptions(alerts.command("list").description("A project's alert rules with their state."))
    .requiredOption("--project <id>", "project id")
    .action(async (o: StoreOptions & { project: string }) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        print(await ruleViews(store, project.id));
      });
    });

  storeOptions(
    alerts
      .command("create")
      .description(
        "Create an alert rule: flags for the common fields, or --rule with the whole rule as JSON (docs/alerts.md); flags win.",
      ),
  )
    .requiredOption("--project <id>", "project id")
    .option("--rule <json>", 'the rule as JSON, e.g. \'{"name":"Audio","category":"audio"}\'')
    .option("--name <name>", "shown in notifications")
    .option("--category <category>", "overall, audio, video or screenshare")
    .option("--window-minutes <n>", "the window (10–1440, default 60)")
    .option("--filter <json>", 'the cohort, e.g. \'{"appVersion":"2.4.0"}\'')
    .option("--disabled", "create the rule without evaluating it")
    .action(async (o: CreateFlags) => {
      const body: Record<string, unknown> = o.rule ? json("--rule", o.rule) : {};
      if (o.name !== undefined) body.name = o.name;
      if (o.category !== undefined) body.category = o.category;
      if (o.windowMinutes !== undefined)
        body.windowMinutes = wholeNumber("--window-minutes", o.windowMinutes, 1440);
      if (o.filter !== undefined) body.filter = json("--filter", o.filter);
      if (o.disabled) body.enabled = false;
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        const created = await createRule(store, project.id, body, Date.now());
        print((await ruleViews(store, project.id, created.id))[0]);
      });
    });

  storeOptions(alerts.command("delete").description("Delete an alert rule (its history stays)."))
    .requiredOption("--project <id>", "project id")
    .requiredOption("--rule <ruleId>", "the rule's id")
    .action(async (o: StoreOptions & { project: string; rule: string }) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        if (!(await deleteRule(store, project.id, o.rule)))
          throw new AftercallError("NOT_FOUND", `Alert rule ${o.rule} was not found.`);
        print({ deleted: o.rule });
      });
    });

  storeOptions(alerts.command("history").description("Transitions of a project's alerts, newest first."))
    .requiredOption("--project <id>", "project id")
    .option("--rule <ruleId>", "only this rule")
    .option("--limit <n>", "how many", "100")
    .action(async (o: StoreOptions & { project: string; rule?: string; limit: string }) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        print(
          await listHistory(store, project.id, {
            limit: wholeNumber("--limit", o.limit, 500),
            ...(o.rule ? { ruleId: o.rule } : {}),
          }),
        );
      });
    });
}
