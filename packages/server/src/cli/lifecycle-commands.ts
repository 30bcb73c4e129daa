import { type DataPolicy, MAX_RETENTION_DAYS } from "@aftercall/api";
import type { Command } from "commander";
import { AftercallError } from "../errors.js";
import { setDataPolicy } from "../lifecycle/data-policy.js";
import { erase, listErasures } from "../lifecycle/erasure.js";
import { wholeNumber } from "./demo-data.js";
import type { CliTools } from "./settings-commands.js";

interface StoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

type PolicyFlags = StoreOptions & {
  project: string;
  surveysDays?: string;
  freeTextDays?: string;
  eventsDays?: string;
  redactEmails?: boolean;
  redactPhones?: boolean;
  redactPattern?: string[];
};

/** `keep` (for ever) or a number of days. */
const retentionDays = (name: string, raw: string | undefined, current: number | null) =>
  raw === undefined ? current : raw === "keep" ? null : wholeNumber(name, raw, MAX_RETENTION_DAYS);

/** `aftercall erase`, `aftercall erasures list` and `aftercall data-policy get|set`. */
export function registerLifecycleCommands(program: Command, tools: CliTools): void {
  const { storeOptions, withStore, requireProject, print } = tools;

  storeOptions(
    program
      .command("erase")
      .description(
        "Erase one participant's or one call's surveys and lifecycle events (GDPR art. 17): rollups are corrected, undelivered outbox entries deleted, destinations sent a tombstone, and a receipt printed.",
      ),
  )
    .requiredOption("--project <id>", "project id")
    .option("--participant <participantId>", "erase everything of this participant")
    .option("--call <callId>", "erase everything of this call")
    .option("--id <erasureId>", "your id for the erasure (repeating it answers the first receipt)")
    .action(
      async (o: StoreOptions & { project: string; participant?: string; call?: string; id?: string }) => {
        if ((o.participant === undefined) === (o.call === undefined))
          throw new AftercallError("INVALID_PARAMETER", "Give exactly one of --participant and --call.");
        await withStore(o, async (store) => {
          const project = await requireProject(store, o.project);
          const { receipt } = await erase(store, {
            projectId: project.id,
            ...(o.participant !== undefined
              ? { selector: "participantId", value: o.participant }
              : { selector: "callId", value: o.call as string }),
            ...(o.id ? { id: o.id } : {}),
            requestedBy: "operator",
            nowMs: Date.now(),
          });
          print(receipt);
        });
      },
    );

  const erasures = program.command("erasures").description("List erasure receipts.");
  storeOptions(erasures.command("list").description("Erasure receipts of a project, newest first."))
    .requiredOption("--project <id>", "project id")
    .option("--limit <n>", "how many", "100")
    .action(async (o: StoreOptions & { project: string; limit: string }) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        print(await listErasures(store, project.id, { limit: wholeNumber("--limit", o.limit, 500) }));
      });
    });

  const policy = program
    .command("data-policy")
    .description("A project's retention (surveys, free text, lifecycle events) and redaction at ingest.");
  storeOptions(policy.command("get").description("Print a project's data policy."))
    .requiredOption("--project <id>", "project id")
    .action(async (o: StoreOptions & { project: string }) => {
      await withStore(o, async (store) => print((await requireProject(store, o.project)).dataPolicy));
    });
  storeOptions(
    policy
      .command("set")
      .description("Change a project's data policy; what a flag does not mention stays as it is."),
  )
    .requiredOption("--project <id>", "project id")
    .option("--surveys-days <n|keep>", "delete surveys this many days after receipt")
    .option("--free-text-days <n|keep>", "clear improvement suggestions this many days after receipt")
    .option("--events-days <n|keep>", "delete lifecycle events this many days after receipt")
    .option("--redact-emails", "replace e-mail addresses in free text before storing")
    .option("--no-redact-emails", "stop redacting e-mail addresses")
    .option("--redact-phones", "replace phone numbers in free text before storing")
    .option("--no-redact-phones", "stop redacting phone numbers")
    .option(
      "--redact-pattern <re2...>",
      "replace matches of these RE2 patterns (replaces the list; '' clears it)",
    )
    .action(async (o: PolicyFlags) => {
      await withStore(o, async (store) => {
        const project = await requireProject(store, o.project);
        const { retention, redaction } = project.dataPolicy;
        const next: DataPolicy = {
          retention: {
            surveysDays: retentionDays("--surveys-days", o.surveysDays, retention.surveysDays),
            freeTextDays: retentionDays("--free-text-days", o.freeTextDays, retention.freeTextDays),
            eventsDays: retentionDays("--events-days", o.eventsDays, retention.eventsDays),
          },
          redaction: {
            emailAddresses: o.redactEmails ?? redaction.emailAddresses,
            phoneNumbers: o.redactPhones ?? redaction.phoneNumbers,
            patterns: o.redactPattern ? o.redactPattern.filter((p) => p !== "") : redaction.patterns,
          },
        };
        print(await setDataPolicy(store, project.id, next));
      });
    });
}
