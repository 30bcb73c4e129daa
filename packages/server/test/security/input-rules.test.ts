/**
 * Input rules, against a real server process on both engines. (Invalid UTF-8 and undecodable bodies are
 * in ingress-limits.test.ts.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onEveryEngineServer, type SecurityServer } from "../support/security-server.js";
import { survey } from "../support/test-app.js";

onEveryEngineServer("input_rules", (engine, start) => {
  describe(`input rules (${engine})`, { timeout: 120_000 }, () => {
    let s: SecurityServer;
    before(async () => {
      s = await start();
    });
    after(() => s?.stop());

    it("neutralises CSV cells that start with a formula character, also after spaces, or with tab, CR, LF", async () => {
      const dangerous = ["=1+1", " =1+1", "  @SUM(A1)", "\n=HYPERLINK(1)", "\t-2", "\r+3", "-4"];
      for (const text of dangerous) {
        const response = await fetch(`${s.url}/v1/surveys`, {
          method: "POST",
          headers: { "x-aftercall-key": s.ingestKey, "content-type": "application/json" },
          body: JSON.stringify(survey({ overallRating: { score: 1, improvementSuggestion: text } })),
        });
        assert.equal(response.status, 201, await response.text());
      }
      const csv = await (
        await fetch(`${s.url}/v1/projects/demo/surveys/export?format=csv`, {
          headers: { authorization: `Bearer ${s.adminToken}` },
        })
      ).text();
      for (const text of dangerous) {
        const quoted = /[",\r\n]/.test(`'${text}`) ? `"'${text.replace(/"/g, '""')}"` : `'${text}`;
        assert.ok(
          csv.includes(`,${quoted},`) || csv.includes(`,${quoted}\r\n`),
          `${JSON.stringify(text)} not neutralised`,
        );
      }
    });
  });
});
