import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  defaultResourceId,
  toAzureResourceLogRecord,
  toSurveyRecord,
  validateSurvey,
} from "@aftercall/schema";
import { generateWebhookSecret } from "../../src/delivery/destinations/webhook-signature.js";
import { TEST_OUTBOUND_ALLOW } from "../support/outbound.js";
import { startServerProcess } from "../support/server-process.js";
import { survey } from "../support/test-app.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const cliPath = join(root, "packages/server/src/cli.ts");

/** Run the real CLI in a child process; resolves with its output and exit code, never rejects. */
async function aftercall(args: string[], options: { input?: string; dataDir: string }) {
  const child = run(
    process.execPath,
    ["--conditions=source", "--import", "tsx", cliPath, ...args, "--data-dir", options.dataDir],
    {
      cwd: root,
      // The receivers these tests configure listen on loopback, which the outbound policy refuses unless allowed.
      env: { ...process.env, DATABASE_URL: "", AFTERCALL_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW },
    },
  );
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("aftercall CLI", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "aftercall-cli-"));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it("has --help on every command", async () => {
    const commands = [
      [],
      ["serve"],
      ["projects"],
      ["projects", "create"],
      ["projects", "list"],
      ["keys"],
      ["keys", "list"],
      ["keys", "create"],
      ["keys", "revoke"],
      ["surveys"],
      ["surveys", "export"],
      ["surveys", "import"],
      ["erase"],
      ["erasures"],
      ["erasures", "list"],
      ["data-policy"],
      ["data-policy", "get"],
      ["data-policy", "set"],
      ["settings"],
      ...["list", "create", "update", "delete", "test", "pause", "resume", "backfill", "parked", "retry"].map(
        (c) => ["settings", c],
      ),
    ];
    const outputs = await Promise.all(commands.map((c) => aftercall([...c, "--help"], { dataDir })));
    outputs.forEach((out, i) => {
      assert.equal(out.code, 0, commands[i]?.join(" "));
      assert.match(out.stdout, /Usage: aftercall/, commands[i]?.join(" "));
    });
  });

  it("creates a project, lists it, and manages its keys", async () => {
    const created = await aftercall(
      ["projects", "create", "--name", "Support Line", "--allowed-origin", "https://support.test"],
      { dataDir },
    );
    assert.equal(created.code, 0, created.stderr);
    const body = JSON.parse(created.stdout);
    assert.equal(body.project.id, "support-line");
    assert.deepEqual(body.project.allowedOrigins, ["https://support.test"]);
    assert.match(body.adminToken.token, /^ac_sk_/);

    const listed = JSON.parse((await aftercall(["projects", "list"], { dataDir })).stdout);
    assert.deepEqual(
      listed.map((p: { id: string }) => p.id),
      ["support-line"],
    );

    const key = JSON.parse(
      (
        await aftercall(
          ["keys", "create", "--project", "support-line", "--kind", "ingest", "--label", "web"],
          { dataDir },
        )
      ).stdout,
    );
    assert.match(key.token, /^ac_pk_/);
    const revoked = await aftercall(["keys", "revoke", "--project", "support-line", key.id], { dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    const keys = JSON.parse(
      (await aftercall(["keys", "list", "--project", "support-line"], { dataDir })).stdout,
    );
    assert.ok(keys.find((k: { id: string; revokedAt?: string }) => k.id === key.id)?.revokedAt);
    assert.equal(keys.find((k: { kind: string }) => k.kind === "admin").token, undefined);
  });

  it("manages diagnostic settings: create, test against a real receiver, pause, backfill, delete; no secrets", async () => {
    const secret = generateWebhookSecret();
    const receiver = await startWebhookReceiver(secret);
    const archive = await mkdtemp(join(tmpdir(), "aftercall-cli-archive-"));
    try {
      await aftercall(["projects", "create", "--name", "Routed", "--id", "routed"], { dataDir });
      const destination = (type: string, config: unknown) => [
        "--destination",
        `${type}=${JSON.stringify(config)}`,
      ];
      const created = await aftercall(
        [
          "settings",
          "create",
          "--project",
          "routed",
          "--name",
          "everywhere",
          "--format",
          "native",
          ...destination("webhook", { url: receiver.url, secret }),
          ...destination("directory", { path: archive }),
        ],
        { dataDir },
      );
      assert.equal(created.code, 0, created.stderr);
      const setting = JSON.parse(created.stdout);
      assert.deepEqual(
        setting.destinations.map((d: { type: string }) => d.type),
        ["directory", "webhook"],
      );
      assert.ok(!created.stdout.includes(secret), "the webhook secret was printed");

      const tested = await aftercall(
        ["settings", "test", setting.id, "--project", "routed", "--destination", "webhook"],
        {
          dataDir,
        },
      );
      assert.equal(tested.code, 0, tested.stdout + tested.stderr);
      assert.deepEqual(
        JSON.parse(tested.stdout).map((r: { type: string; ok: boolean }) => [r.type, r.ok]),
        [["webhook", true]],
      );
      assert.equal(receiver.deliveries.length, 1);
      assert.equal(receiver.deliveries[0]?.signatureValid, true);
      assert.equal(
        (receiver.deliveries[0]?.records?.[0] as { callId: string } | undefined)?.callId,
        "aftercall-test-call",
      );

      const paused = await aftercall(["settings", "pause", setting.id, "--project", "routed"], { dataDir });
      assert.deepEqual(
        JSON.parse(paused.stdout).destinations.map((d: { paused: boolean }) => d.paused),
        [true, true],
      );
      const backfill = await aftercall(
        ["settings", "backfill", setting.id, "--project", "routed", "--from", "2026-01-01T00:00:00Z"],
        { dataDir },
      );
      assert.equal(backfill.code, 0, backfill.stderr);
      const badTime = await aftercall(
        ["settings", "backfill", setting.id, "--project", "routed", "--from", "soon"],
        {
          dataDir,
        },
      );
      assert.equal(badTime.code, 2);
      assert.match(badTime.stderr, /from must be an ISO 8601 date-time/);
      const listed = await aftercall(["settings", "list", "--project", "routed"], { dataDir });
      assert.equal(JSON.parse(listed.stdout)[0].name, "everywhere");
      assert.ok(!listed.stdout.includes(secret));
      assert.deepEqual(
        JSON.parse(
          (await aftercall(["settings", "parked", setting.id, "--project", "routed"], { dataDir })).stdout,
        ),
        [],
      );
      const deleted = await aftercall(["settings", "delete", setting.id, "--project", "routed"], { dataDir });
      assert.equal(deleted.code, 0);
      assert.deepEqual(
        JSON.parse((await aftercall(["settings", "list", "--project", "routed"], { dataDir })).stdout),
        [],
      );
    } finally {
      await receiver.stop();
      await rm(archive, { recursive: true, force: true });
    }
  });

  it("sets a data policy, redacts what is imported next, erases a participant and lists the receipt", async () => {
    const created = await aftercall(["projects", "create", "--name", "Privacy"], { dataDir });
    assert.equal(created.code, 0, created.stderr);
    const set = await aftercall(
      [
        "data-policy",
        "set",
        "--project",
        "privacy",
        "--surveys-days",
        "365",
        "--free-text-days",
        "30",
        "--redact-emails",
      ],
      { dataDir },
    );
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), {
      retention: { surveysDays: 365, freeTextDays: 30, eventsDays: null },
      redaction: { emailAddresses: true, phoneNumbers: false, patterns: [] },
    });
    const refused = await aftercall(
      ["data-policy", "set", "--project", "privacy", "--free-text-days", "400"],
      {
        dataDir,
      },
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /retention\.freeTextDays \(400\) must not exceed retention\.surveysDays/);
    const lines = [
      survey({
        participantId: "ann",
        overallRating: { score: 1, improvementSuggestion: "mail ann@example.com" },
      }),
      survey({ participantId: "ann" }),
      survey({ participantId: "ben" }),
    ]
      .map((s) => JSON.stringify(s))
      .join("\n");
    const imported = await aftercall(["surveys", "import", "--project", "privacy"], {
      input: lines,
      dataDir,
    });
    assert.equal(imported.code, 0, imported.stderr);
    const exported = await aftercall(["surveys", "export", "--project", "privacy"], { dataDir });
    assert.match(exported.stdout, /mail \[email redacted\]/);
    assert.doesNotMatch(exported.stdout, /ann@example\.com/);

    assert.equal((await aftercall(["erase", "--project", "privacy"], { dataDir })).code, 2);
    const erased = await aftercall(
      ["erase", "--project", "privacy", "--participant", "ann", "--id", "request-0042"],
      {
        dataDir,
      },
    );
    assert.equal(erased.code, 0, erased.stderr);
    const receipt = JSON.parse(erased.stdout);
    assert.deepEqual([receipt.id, receipt.surveys, receipt.requestedBy], ["request-0042", 2, "operator"]);
    const listed = await aftercall(["erasures", "list", "--project", "privacy"], { dataDir });
    assert.deepEqual(
      JSON.parse(listed.stdout).map((r: { id: string }) => r.id),
      ["request-0042"],
    );
    const left = await aftercall(["surveys", "export", "--project", "privacy"], { dataDir });
    assert.equal(left.stdout.trim().split("\n").length, 1);
  });

  it("fails clearly for an unknown project or a bad option", async () => {
    const missing = await aftercall(["keys", "list", "--project", "nope"], { dataDir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Project "nope" was not found/);
    const badKind = await aftercall(["keys", "create", "--project", "support-line", "--kind", "root"], {
      dataDir,
    });
    assert.notEqual(badKind.code, 0);
    assert.match(badKind.stderr, /Allowed choices are ingest, admin/);
  });

  it("imports submissions, native records and ACS records idempotently, and exports them again", async () => {
    const submissions = [
      survey(),
      survey({ audioRating: { score: 1, issues: ["Echo"], improvementSuggestion: "echo" } }),
    ];
    const acsSource = validateSurvey(
      survey({
        videoRating: {
          score: 7,
          scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 5 },
          issues: ["Freezes"],
        },
      }),
    );
    assert.ok(acsSource.ok);
    const acsRecord = toAzureResourceLogRecord(
      toSurveyRecord(acsSource.value, {
        projectId: "elsewhere",
        receivedAt: new Date("2026-10-01T12:00:00Z"),
      }),
      defaultResourceId("elsewhere"),
    );
    const nativeSource = validateSurvey(survey());
    assert.ok(nativeSource.ok);
    const native = toSurveyRecord(nativeSource.value, {
      projectId: "elsewhere",
      receivedAt: new Date("2026-09-01T08:00:00Z"),
    });
    const lines = [
      ...submissions.map((s) => JSON.stringify(s)),
      JSON.stringify(acsRecord),
      JSON.stringify(native),
      "{broken",
      JSON.stringify(survey({ overallRating: { score: 0 } })),
    ];
    const file = join(dataDir, "in.ndjson");
    await writeFile(file, `${lines.join("\n")}\n`);

    const first = await aftercall(["surveys", "import", "--project", "support-line", "-i", file], {
      dataDir,
    });
    assert.equal(first.code, 1, "invalid lines make the exit code non-zero");
    assert.match(first.stderr, /Imported: 4 new, 0 already present, 0 conflicts, 2 invalid/);
    assert.match(first.stderr, /line 5: INVALID_JSON/);
    assert.match(first.stderr, /line 6: SCORE_OUT_OF_DEFAULT_SCALE at overallRating.score/);

    const again = await aftercall(["surveys", "import", "--project", "support-line"], {
      dataDir,
      input: lines.slice(0, 4).join("\n"),
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Imported: 0 new, 4 already present/);

    const exported = await aftercall(["surveys", "export", "--project", "support-line"], { dataDir });
    const records = exported.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 4);
    assert.equal(
      records[0].receivedAt,
      "2026-09-01T08:00:00.000Z",
      "native records keep their receivedAt, oldest first",
    );
    assert.equal(records[1].ratings.video.scale.upperBound, 10);
    assert.equal(records[1].ratings.video.poor, false);

    const out = join(dataDir, "acs.ndjson");
    const acs = await aftercall(
      ["surveys", "export", "--project", "support-line", "--format", "acs", "-o", out],
      { dataDir },
    );
    assert.match(acs.stderr, /Exported 4 surveys/);
    const acsLines = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(acsLines[1].properties.VideoIssues, "Freezes");
    assert.equal(acsLines[1].properties.VideoRatingScoreUpperBound, 10);

    // An ACS export lacks client times and free text; importing it again recognises the stored ids.
    const acsAgain = await aftercall(["surveys", "import", "--project", "support-line", "-i", out], {
      dataDir,
    });
    assert.match(acsAgain.stderr, /Imported: 0 new, 4 already present, 0 conflicts, 0 invalid/);

    // A native export imports back into another project as the same surveys.
    await aftercall(["projects", "create", "--name", "Copy"], { dataDir });
    const roundTrip = await aftercall(["surveys", "import", "--project", "copy"], {
      dataDir,
      input: exported.stdout,
    });
    assert.match(roundTrip.stderr, /Imported: 4 new/);
    const copy = (await aftercall(["surveys", "export", "--project", "copy"], { dataDir })).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      copy.map((r) => ({ ...r, projectId: "x" })),
      records.map((r) => ({ ...r, projectId: "x" })),
    );
  });
  it("explains conflicts with an earlier ACS-format import, and prints at most 10 lines per error code", async () => {
    await aftercall(["projects", "create", "--name", "Migrated"], { dataDir });
    const rich = Array.from({ length: 14 }, () =>
      survey({
        audioRating: { score: 1, issues: ["Echo"], improvementSuggestion: "constant echo" },
        dimensions: { region: "eu-west" },
        appVersion: "4.2.0",
      }),
    );
    const records = rich.map((s) => {
      const result = validateSurvey(s);
      assert.ok(result.ok);
      return toSurveyRecord(result.value, { projectId: "x", receivedAt: new Date("2026-11-01T09:00:00Z") });
    });
    // First the ACS-format records (as exported from Azure), then Aftercall's native export of the same surveys.
    const acs = records.map((r) => JSON.stringify(toAzureResourceLogRecord(r, defaultResourceId("x"))));
    const first = await aftercall(["surveys", "import", "--project", "migrated"], {
      dataDir,
      input: acs.join("\n"),
    });
    assert.match(first.stderr, /Imported: 14 new/);
    const native = await aftercall(["surveys", "import", "--project", "migrated"], {
      dataDir,
      input: records.map((r) => JSON.stringify(r)).join("\n"),
    });
    assert.equal(native.code, 1);
    const conflictLines = native.stderr.split("\n").filter((l) => /^line \d+: SURVEY_CONFLICT/.test(l));
    assert.equal(conflictLines.length, 10);
    assert.match(conflictLines[0] ?? "", /same ratings and tags but not this line's free text/);
    assert.match(native.stderr, /… and 4 more SURVEY_CONFLICT lines\n/);
    assert.match(native.stderr, /Imported: 0 new, 0 already present, 14 conflicts, 0 invalid/);
    assert.match(native.stderr, /14 of the conflicts are surveys stored with the same ratings and tags/);
    assert.match(native.stderr, /the ACS format does not carry those/);

    // A conflict in the ratings themselves is not explained away.
    const changed = {
      ...records[0],
      ratings: { ...records[0]?.ratings, overall: { ...records[0]?.ratings.overall, score: 1 } },
    };
    const other = await aftercall(["surveys", "import", "--project", "migrated"], {
      dataDir,
      input: JSON.stringify(changed),
    });
    assert.match(other.stderr, /already exists with different content/);
    assert.doesNotMatch(other.stderr, /ACS format/);
  });

  it("exports CSV with the same bytes as the HTTP export", async () => {
    const csv = await aftercall(["surveys", "export", "--project", "migrated", "--format", "csv"], {
      dataDir,
    });
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stderr, /Exported 14 surveys/);
    const rows = csv.stdout.split("\r\n");
    assert.equal(rows.length, 16, "header, 14 rows and the final line end");
    assert.match(rows[0] ?? "", /^id,receivedAt,clientTime,callId,participantId,/);
    assert.match(rows[1] ?? "", /,Echo,/);

    const token = JSON.parse(
      (await aftercall(["keys", "create", "--project", "migrated", "--kind", "admin"], { dataDir })).stdout,
    ).token as string;
    const server = await startServerProcess({ dataDir });
    try {
      const http = await fetch(`${server.url}/v1/surveys/export?format=csv`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(http.status, 200);
      assert.equal(await http.text(), csv.stdout);
    } finally {
      await server.stop();
    }
  });

  it("listens on PORT when neither --port nor AFTERCALL_PORT is given", async () => {
    const port = await new Promise<number>((resolvePort) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
      });
    });
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), AFTERCALL_LOG_LEVEL: "warn" };
    delete env.AFTERCALL_PORT;
    delete env.DATABASE_URL;
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", cliPath, "serve", "--data-dir", dataDir, "--no-demo-data"],
      { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] },
    );
    try {
      const banner = await new Promise<string>((resolveBanner, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`no banner:\n${text}`)), 30_000);
        child.stderr.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (/Aftercall is running at \S+/.test(text)) {
            clearTimeout(timer);
            resolveBanner(text);
          }
        });
        child.once("exit", () => reject(new Error(`exited:\n${text}`)));
      });
      assert.match(banner, new RegExp(`Aftercall is running at http://127\\.0\\.0\\.1:${port}\\b`));
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
