/**
 * The diagnostic-settings admin API: create, read, update, pause, backfill, parked batches and delete;
 * the limits (5 per project, unique names, one destination per type); who may call it; and that no read
 * (nor `/metrics`) ever contains a destination's secret.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deliveryOf } from "../support/delivery-of.js";
import { OPERATOR_TOKEN, startTestApp, type TestProject } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

const SECRET = "whsec_dGhpcy1pcy1hLXRlc3Qtc2VjcmV0LW9mLTMyLWJ5dGVz";
const webhook = (port = 9) => ({ url: `http://127.0.0.1:${port}/aftercall`, secret: SECRET });

describe("diagnostic settings API", () => {
  let t: Ctx;
  let demo: TestProject;
  let other: TestProject;
  before(async () => {
    t = await startTestApp();
    demo = await t.addProject({ id: "demo", name: "Demo" });
    other = await t.addProject({ id: "other", name: "Other" });
  });
  after(() => t.close());

  const call = (
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    payload?: unknown,
    token = demo.adminToken,
  ) =>
    t.app.fastify.inject({
      method,
      url: path,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const base = "/v1/projects/demo/diagnostic-settings";

  it("creates a setting and shows its destinations' status without secrets", async () => {
    const res = await call("POST", base, { name: "to-hook", destinations: { webhook: webhook() } });
    assert.equal(res.statusCode, 201, res.body);
    const setting = res.json();
    assert.match(setting.id, /^ds_/);
    assert.equal(setting.projectId, "demo");
    assert.deepEqual(setting.categories, ["CallSurvey"]);
    assert.equal(setting.format, "acs");
    assert.equal(setting.destinations.length, 1);
    const [d] = setting.destinations;
    assert.equal(d.type, "webhook");
    assert.equal(d.paused, false);
    assert.deepEqual(
      {
        state: d.status.state,
        lagSeconds: d.status.lagSeconds,
        undelivered: d.status.undelivered,
        parked: d.status.parkedBatches,
      },
      { state: "caught-up", lagSeconds: 0, undelivered: 0, parked: 0 },
    );
    assert.ok(!res.body.includes(SECRET), "the secret was returned");
    const listed = await call("GET", base);
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed.json().items.map((s: { id: string }) => s.id),
      [setting.id],
    );
    assert.ok(!listed.body.includes(SECRET));
    const one = await call("GET", `${base}/${setting.id}`);
    assert.equal(one.json().name, "to-hook");
    assert.ok(!one.body.includes(SECRET));
  });

  it("rejects bad settings with a message naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ destinations: { webhook: webhook() } }, /^name /],
      [{ name: "x", categories: ["Calls"], destinations: { webhook: webhook() } }, /categories: "Calls"/],
      [{ name: "x", format: "csv", destinations: { webhook: webhook() } }, /^format /],
      [{ name: "x", destinations: {} }, /^destinations must name/],
      [{ name: "x", destinations: { eventhub: {} } }, /destinations\.eventhub is not a destination type/],
      [{ name: "x", destinations: { webhook: { ...webhook(), type: "s3" } } }, /destinations\.webhook\.type/],
      [{ name: "x", destinations: { webhook: webhook() }, backfillFrom: "yesterday" }, /^backfillFrom /],
      [{ name: "x", destinations: { webhook: webhook() }, colour: "red" }, /colour is not a field/],
      [
        { name: "x", destinations: { stream: { servers: ["nats://alice:s3cr3t@127.0.0.1:4222"] } } },
        /destinations\.stream\.servers\[0\] must not contain credentials/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await call("POST", base, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, "VALIDATION_FAILED");
      assert.match(res.json().message, message);
    }
  });

  it("allows five settings per project with unique names", async () => {
    const project = "/v1/projects/other/diagnostic-settings";
    for (let i = 0; i < 5; i++) {
      const res = await call(
        "POST",
        project,
        { name: `s${i}`, destinations: { webhook: webhook() } },
        other.adminToken,
      );
      assert.equal(res.statusCode, 201);
    }
    const sixth = await call(
      "POST",
      project,
      { name: "s5", destinations: { webhook: webhook() } },
      other.adminToken,
    );
    assert.equal(sixth.statusCode, 409);
    assert.equal(sixth.json().code, "SETTING_LIMIT_REACHED");
    const items = (await call("GET", project, undefined, other.adminToken)).json().items;
    const s4 = items.find((s: { name: string }) => s.name === "s4");
    assert.equal((await call("DELETE", `${project}/${s4.id}`, undefined, other.adminToken)).statusCode, 204);
    const dup = await call(
      "POST",
      project,
      { name: "s0", destinations: { webhook: webhook() } },
      other.adminToken,
    );
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, "SETTING_EXISTS");
  });

  it("updates name, format and destinations; pause, resume and backfill act per destination", async () => {
    const created = (await call("POST", base, { name: "upd", destinations: { webhook: webhook() } })).json();
    const path = `${base}/${created.id}`;
    const patched = await call("PATCH", path, { name: "renamed", format: "native", categories: ["allLogs"] });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().name, "renamed");
    assert.equal(patched.json().format, "native");
    assert.deepEqual(patched.json().categories, ["CallSurvey", "CallSurveyEvent", "CallSurveyAlert"]);
    const paused = await call("POST", `${path}/pause?destination=webhook`);
    assert.equal(paused.json().destinations[0].paused, true);
    assert.equal(paused.json().destinations[0].status.state, "paused");
    assert.equal((await call("POST", `${path}/pause?destination=blob`)).json().code, "NOT_FOUND");
    assert.equal((await call("POST", `${path}/pause?destination=fax`)).json().code, "INVALID_PARAMETER");
    assert.equal((await call("POST", `${path}/resume`)).json().destinations[0].paused, false);
    const backfill = await call("POST", `${path}/backfill`, { from: "2026-11-01T00:00:00Z" });
    assert.equal(backfill.statusCode, 200);
    assert.equal((await call("POST", `${path}/backfill`, { from: "soon" })).statusCode, 400);
    assert.deepEqual((await call("GET", `${path}/parked`)).json(), { items: [] });
    assert.equal((await call("POST", `${path}/parked/nope/retry`)).statusCode, 404);
    const removeLast = await call("PATCH", path, { destinations: { webhook: null } });
    assert.equal(removeLast.statusCode, 400);
    assert.match(removeLast.json().message, /at least one destination/);
    assert.equal((await call("DELETE", path)).statusCode, 204);
    assert.equal((await call("GET", path)).statusCode, 404);
  });

  it("lets only the operator configure a directory destination (it writes into the server's file system)", async () => {
    const body = { name: "to-dir", destinations: { directory: { path: "/tmp/aftercall-archive-test" } } };
    const refused = await call("POST", base, body);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, "FORBIDDEN");
    assert.match(refused.json().message, /operator/);
    const created = await call("POST", base, body, OPERATOR_TOKEN);
    assert.equal(created.statusCode, 201, created.body);
    const path = `${base}/${created.json().id}`;
    const patch = await call("PATCH", path, { destinations: { directory: { path: "/etc" } } });
    assert.equal(patch.statusCode, 403);
    assert.equal((await call("DELETE", path)).statusCode, 204);
  });

  it("keeps a stored secret when an update leaves it out, and never returns it", async () => {
    const created = (
      await call("POST", base, { name: "secret-kept", destinations: { webhook: webhook() } })
    ).json();
    const path = `${base}/${created.id}`;
    // Same target, new timeout: the secret stays. (A new URL needs the secret again: test/security.)
    const res = await call("PATCH", path, {
      destinations: { webhook: { url: webhook().url, timeoutMs: 2000 } },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().destinations[0].config.timeoutMs, 2000);
    assert.deepEqual(res.json().destinations[0].config.secret, { set: true });
    assert.ok(!res.body.includes(SECRET));
    const stored = await deliveryOf(t.db).getSetting("demo", created.id);
    assert.equal((stored?.destinations[0]?.config as { secret: string } | undefined)?.secret, SECRET);
    await call("DELETE", path);
  });

  it("gives each destination the setting's format unless it names its own", async () => {
    const res = await call("POST", base, {
      name: "formats",
      format: "acs",
      destinations: {
        webhook: { ...webhook(), format: "native" },
        stream: { servers: ["nats://127.0.0.1:9"] },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const byType = (body: { destinations: Array<{ type: string; format: string }> }) =>
      Object.fromEntries(body.destinations.map((d) => [d.type, d.format]));
    assert.deepEqual(byType(res.json()), { stream: "acs", webhook: "native" });
    const path = `${base}/${res.json().id}`;
    assert.deepEqual(byType((await call("PATCH", path, { format: "native" })).json()), {
      stream: "native",
      webhook: "native",
    });
    const bad = await call("PATCH", path, { destinations: { webhook: { ...webhook(), format: "xml" } } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /^destinations\.webhook\.format /);
    await call("DELETE", path);
  });

  it("is for admin tokens of the project only", async () => {
    assert.equal((await call("GET", base, undefined, demo.ingestKey)).statusCode, 403);
    assert.equal((await call("GET", base, undefined, "nope")).statusCode, 401);
    assert.equal((await call("GET", base, undefined, other.adminToken)).statusCode, 404);
    assert.equal((await call("GET", base, undefined, OPERATOR_TOKEN)).statusCode, 200);
  });

  it("serves Prometheus metrics per destination to the operator only, without secrets", async () => {
    assert.equal((await call("GET", "/metrics")).statusCode, 403);
    const res = await call("GET", "/metrics", undefined, OPERATOR_TOKEN);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/plain/);
    assert.match(
      res.body,
      /aftercall_destination_lag_seconds\{project="demo",setting="to-hook",destination="ds_\w+\.webhook",type="webhook"\} 0/,
    );
    assert.match(res.body, /aftercall_destination_parked_batches\{project="other"/);
    assert.match(res.body, /# TYPE aftercall_delivery_records_total counter/);
    assert.ok(!res.body.includes(SECRET));
  });
});
