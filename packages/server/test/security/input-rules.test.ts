/**
 * Input rules, against a real server process on both engines, with the production defaults of the
 * client time window (the suites' other servers turn it off for their fixed times). (Invalid UTF-8 and
 * undecodable bodies are in ingress-limits.test.ts.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onEveryEngineServer, type SecurityServer } from "../support/security-server.js";
import { survey } from "../support/test-app.js";

const DAY = 86_400_000;
const MINUTE = 60_000;
/** A submission whose client time is `offsetMs` from now (the server's receive time, give or take). */
const at = (offsetMs: number, overrides: Record<string, unknown> = {}) =>
  survey({ clientTime: new Date(Date.now() + offsetMs).toISOString(), ...overrides });

onEveryEngineServer("input_rules", (engine, start) => {
  describe(`input rules (${engine})`, { timeout: 120_000 }, () => {
    let s: SecurityServer;
    before(async () => {
      // The window's defaults (30 days back, 24 hours ahead), as a production server has them.
      s = await start({ AFTERCALL_CLIENT_TIME_WINDOW: "on" });
    });
    after(() => s?.stop());

    it("neutralises CSV cells that start with a formula character, also after spaces, or with tab, CR, LF", async () => {
      const dangerous = ["=1+1", " =1+1", "  @SUM(A1)", "\n=HYPERLINK(1)", "\t-2", "\r+3", "-4"];
      for (const text of dangerous) {
        const response = await fetch(`${s.url}/v1/surveys`, {
          method: "POST",
          headers: { "x-aftercall-key": s.ingestKey, "content-type": "application/json" },
          body: JSON.stringify(at(0, { overallRating: { score: 1, improvementSuggestion: text } })),
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

    const post = (path: string, body: unknown) =>
      fetch(`${s.url}${path}`, {
        method: "POST",
        headers: { "x-aftercall-key": s.ingestKey, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    /** The answer's status, code and errors. */
    const answer = async (response: Response) => {
      const body = (await response.json()) as {
        code?: string;
        errors?: { code: string; path: string; message: string }[];
      };
      return { status: response.status, code: body.code, errors: body.errors ?? [] };
    };
    const event = (overrides: Record<string, unknown> = {}) => ({
      id: crypto.randomUUID(),
      type: "shown",
      callId: "call-e",
      participantId: "p-e",
      clientTime: new Date().toISOString(),
      ...overrides,
    });

    it("refuses control characters, U+2028/U+2029 and noncharacters in ids, context and dimension values (INVALID_CHARACTER, field named)", async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ callId: "call\u0007" }, "callId"],
        [{ participantId: "p\u0085" }, "participantId"],
        [{ appVersion: "1.0\u001b[2J" }, "appVersion"],
        [{ platform: "web\u2028" }, "platform"],
        [{ browser: "x\u007f" }, "browser"],
        [{ dimensions: { region: "eu\uffff" } }, "dimensions.region"],
        [{ dimensions: { plan: "\u{10fffe}" } }, "dimensions.plan"],
      ];
      for (const [patch, path] of cases) {
        const single = await answer(await post("/v1/surveys", at(0, patch)));
        assert.equal(single.status, 400, path);
        assert.equal(single.code, "VALIDATION_FAILED");
        assert.deepEqual(
          single.errors.map((e) => [e.code, e.path, e.message]),
          [["INVALID_CHARACTER", path, `${path} must not contain control characters or noncharacters.`]],
        );
        const batch = await answer(await post("/v1/surveys/batch", { surveys: [at(0), at(0, patch)] }));
        assert.equal(batch.status, 400);
        assert.deepEqual(
          batch.errors.map((e) => [e.code, e.path]),
          [["INVALID_CHARACTER", `surveys[1].${path}`]],
        );
      }
      const events = await answer(
        await post("/v1/events", { events: [event(), event({ callId: "c\u2029" })] }),
      );
      assert.equal(events.status, 400);
      assert.deepEqual(
        events.errors.map((e) => [e.code, e.path]),
        [["INVALID_CHARACTER", "events[1].callId"]],
      );
    });

    it("keeps a participant's lines and tabs in free text, refuses its other control characters", async () => {
      const text = "Echo all call long.\nThen it dropped.\r\nTabs\there, and a pasted\u2028line.";
      const kept = await post(
        "/v1/surveys",
        at(0, { overallRating: { score: 2, improvementSuggestion: text } }),
      );
      assert.equal(kept.status, 201);
      const body = (await kept.json()) as { id: string };
      const stored = (await (
        await fetch(`${s.url}/v1/surveys/${body.id}`, {
          headers: { authorization: `Bearer ${s.adminToken}` },
        })
      ).json()) as { ratings: { overall?: { improvementSuggestion?: string } } };
      assert.equal(stored.ratings.overall?.improvementSuggestion, text);
      const bell = await answer(
        await post(
          "/v1/surveys",
          at(0, { overallRating: { score: 2, improvementSuggestion: "ding\u0007" } }),
        ),
      );
      assert.deepEqual(
        bell.errors.map((e) => [e.code, e.path]),
        [["INVALID_CHARACTER", "overallRating.improvementSuggestion"]],
      );
    });

    it("refuses a clientTime outside 30 days before to 24 hours after the receive time (CLIENT_TIME_OUT_OF_WINDOW)", async () => {
      for (const clientTime of [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        new Date(Date.now() - 31 * DAY).toISOString(),
        new Date(Date.now() + 25 * 60 * MINUTE).toISOString(),
      ]) {
        const single = await answer(await post("/v1/surveys", survey({ clientTime })));
        assert.equal(single.status, 400, clientTime);
        assert.deepEqual(
          single.errors.map((e) => [e.code, e.path]),
          [["CLIENT_TIME_OUT_OF_WINDOW", "clientTime"]],
          clientTime,
        );
        assert.match(
          single.errors[0]?.message ?? "",
          /^clientTime must be at most 30 days before and 1440 minutes after the time the server received it/,
        );
        const batch = await answer(
          await post("/v1/surveys/batch", { surveys: [at(0), survey({ clientTime })] }),
        );
        assert.deepEqual(
          batch.errors.map((e) => [e.code, e.path]),
          [["CLIENT_TIME_OUT_OF_WINDOW", "surveys[1].clientTime"]],
        );
        const events = await answer(await post("/v1/events", { events: [event({ clientTime })] }));
        assert.deepEqual(
          events.errors.map((e) => [e.code, e.path]),
          [["CLIENT_TIME_OUT_OF_WINDOW", "events[0].clientTime"]],
        );
      }
      // Within the window, with room for the test's own delays: a survey queued 29 days ago, a clock
      // 23 hours ahead, now written with another time zone's offset.
      for (const offset of [-29 * DAY, -MINUTE, 0, 23 * 60 * MINUTE]) {
        assert.equal((await post("/v1/surveys", at(offset))).status, 201, String(offset));
        const clientTime = new Date(Date.now() + offset).toISOString();
        assert.equal((await post("/v1/events", { events: [event({ clientTime })] })).status, 200);
      }
      const zoned = new Date(Date.now() + 330 * MINUTE).toISOString().replace("Z", "+05:30");
      assert.equal((await post("/v1/surveys", survey({ clientTime: zoned }))).status, 201);
    });
  });
});
