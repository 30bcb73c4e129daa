import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = fileURLToPath(new URL(".", import.meta.url));
const acsApp = join(here, "tutorial-app.acs.ts");
const aftercallApp = join(here, "tutorial-app.aftercall.ts");

/** Type-check `files` with the test project's compiler options (ACS's own declarations, strict). */
function typeErrors(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(here, "..", "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)),
    },
  );
  assert.ok(config);
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

describe("an ACS app's survey code moving to Aftercall", () => {
  it("changes one line: the import of Features", () => {
    const before = readFileSync(acsApp, "utf8").split("\n");
    const after = readFileSync(aftercallApp, "utf8").split("\n");
    assert.equal(before.length, after.length);
    const changed = before.flatMap((line, i) => (line === after[i] ? [] : [[line, after[i]]]));
    assert.deepEqual(changed, [
      [
        'import { Features } from "@azure/communication-calling";',
        'import { Features } from "@aftercall/client/acs";',
      ],
    ]);
  });

  it("type-checks against @azure/communication-calling's own declarations, before and after", () => {
    assert.deepEqual(typeErrors([acsApp, aftercallApp]), []);
  });

  it("is really checked: a survey ACS's types refuse is refused after the change too", async () => {
    const dir = await mkdtemp(join(here, ".tmp-"));
    try {
      const broken = join(dir, "broken.ts");
      writeFileSync(
        broken,
        readFileSync(aftercallApp, "utf8")
          .replace('issues: ["Freezes"]', 'issues: ["Frozen"]')
          .replace("submitSurvey(survey, {})", "submitSurvey(survey, { unknownOption: true })"),
      );
      const errors = typeErrors([broken]);
      assert.equal(errors.length, 2, errors.join("\n"));
      assert.match(errors[0] ?? "", /"Frozen"/);
      assert.match(errors[1] ?? "", /unknownOption/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
