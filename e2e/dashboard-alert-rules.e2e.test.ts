/**
 * Managing alert rules from the dashboard's Alerts view, in real Chromium against a real server: a rule
 * created through the form is the rule the API lists (fields as typed, defaults filled by the server); a
 * refused value shows the server's own message on the field it names and creates nothing; the switch
 * disables the rule and the confirmed delete removes it, each as the API then says; axe-core finds
 * nothing on the form, with and without a refusal shown (screenshot:
 * artifacts/screenshots/dashboard-alert-rules-refused.png).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ErrorBody, listAlertRules, RouteReply } from "@aftercall/api";
import { dashboardDir } from "@aftercall/dashboard";
import type { Browser, Page, Response } from "playwright-core";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { axeViolations, receivesFocus } from "./support/page.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

type Rules = RouteReply<typeof listAlertRules>["items"];

const skip = browserSkip();
const RULES = "/v1/projects/demo/alert-rules";
const ALERTS = "#view=alerts&project=demo&tz=UTC";

describe("alert rules managed from the dashboard, in Chromium against a real server", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let page: Page & { errors: string[] };
  let ruleId: string;

  const rules = async (): Promise<Rules> => {
    const response = await fetch(`${demo.server.url}${RULES}`, {
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { items: Rules }).items;
  };
  const path = (r: Response) => new URL(r.url()).pathname;
  /** The answer to `method` on a path ending with `suffix`. */
  const answer = (method: string, suffix: string) =>
    page.waitForResponse((r) => r.request().method() === method && path(r).endsWith(suffix), {
      timeout: 120_000,
    });
  /** The list the view asks for again after a change, answered. */
  const relisted = () => answer("GET", "/alert-rules");
  const idle = () => page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));

  before(async () => {
    assert.ok(
      existsSync(join(dashboardDir, "index.html")),
      "the dashboard is not built: run `npm run build`",
    );
    demo = await startDemoServer({ alertIntervalSeconds: 0 });
    browser = await launchBrowser();
    // bypassCSP: axe-core is injected as an inline script.
    const context = await browser.newContext({
      timezoneId: "UTC",
      viewport: { width: 1280, height: 900 },
      bypassCSP: true,
    });
    page = Object.assign(await context.newPage(), { errors: [] as string[] });
    page.on("pageerror", (e) => page.errors.push(e.message));
    await page.goto(`${demo.server.url}/${ALERTS}`);
    await page.getByLabel("Admin token").fill(demo.adminToken);
    const listed = relisted();
    await page.getByRole("button", { name: "Sign in" }).click();
    await listed;
    await page.locator("form.rule-form").waitFor();
    await idle();
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("creates a rule through the form: the API lists it with the fields typed and the defaults filled", async () => {
    assert.deepEqual(await rules(), []);
    const form = page.locator("form.rule-form");
    await form.getByLabel("Name").fill("Audio on 2.4");
    await form.getByLabel("Category").selectOption("audio");
    await form.locator('[name="filter.appVersion"]').fill("2.4.0");
    await form.getByLabel("Window (minutes)").fill("120");
    await form.getByLabel("Minimum surveys in the window").fill("50");
    await form.getByLabel("Baseline days").fill("14");
    await form.getByLabel("Minimum effect", { exact: true }).fill("0.03");
    const created = answer("POST", "/alert-rules");
    const listed = relisted();
    await form.getByRole("button", { name: "Create rule" }).click();
    assert.equal((await created).status(), 201);
    const shown = (await (await listed).json()) as { items: Rules };
    const [rule] = await rules();
    assert.ok(rule);
    ruleId = rule.id;
    assert.deepEqual(shown.items, [rule]);
    assert.deepEqual(
      {
        name: rule.name,
        category: rule.category,
        filter: rule.filter,
        windowMinutes: rule.windowMinutes,
        minimumSurveys: rule.minimumSurveys,
        baseline: rule.baseline,
        minimumEffect: rule.minimumEffect,
        falseAlarmsPerWeek: rule.falseAlarmsPerWeek,
        enabled: rule.enabled,
        status: rule.state.status,
      },
      {
        name: "Audio on 2.4",
        category: "audio",
        filter: { appVersion: "2.4.0" },
        windowMinutes: 120,
        minimumSurveys: 50,
        // The field left empty took the server's default.
        baseline: { type: "trailing", days: 14, minimumSurveys: 500 },
        minimumEffect: { type: "difference", value: 0.03 },
        falseAlarmsPerWeek: 0.1,
        enabled: true,
        status: "ok",
      },
    );
    const row = page.locator(`tr[data-rule="${ruleId}"]`);
    await row.waitFor();
    assert.equal(await row.getByRole("link").innerText(), "Audio on 2.4");
    assert.equal(await row.locator(".badge").innerText(), "OK");
    assert.equal(await row.locator('[data-action="enabled"]').getAttribute("aria-pressed"), "true");
    // The form is empty again, ready for the next rule.
    assert.equal(await form.getByLabel("Name").inputValue(), "");
    assert.deepEqual(page.errors, []);
  });

  it("shows the server's message on the field it refused, creates nothing, and passes axe", async () => {
    const form = page.locator("form.rule-form");
    await form.getByLabel("Name").fill("Too big an effect");
    await form.getByLabel("Minimum effect", { exact: true }).fill("0.9");
    const refused = answer("POST", "/alert-rules");
    await form.getByRole("button", { name: "Create rule" }).click();
    const response = await refused;
    assert.equal(response.status(), 400);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.code, "VALIDATION_FAILED");
    const issue = body.errors?.find((e) => e.path === "minimumEffect.value");
    assert.ok(issue, JSON.stringify(body));
    const input = form.locator('[name="minimumEffect.value"]');
    const message = form.locator('[data-error-for="minimumEffect.value"]');
    await message.waitFor();
    assert.equal(await message.innerText(), issue.message);
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    const id = await message.getAttribute("id");
    assert.ok(id && (await input.getAttribute("aria-describedby"))?.split(" ").includes(id));
    assert.equal(await receivesFocus(input), true, "focus on the field");
    // What was typed stays, to be corrected.
    assert.equal(await input.inputValue(), "0.9");
    assert.deepEqual(
      (await rules()).map((r) => r.id),
      [ruleId],
    );
    assert.deepEqual(await axeViolations(page), [], "the form with a refusal shown");
    await page.screenshot({
      path: join(await screenshotDir(), "dashboard-alert-rules-refused.png"),
      fullPage: true,
    });
    assert.deepEqual(page.errors, []);
  });

  it("disables the rule with its switch, as the API then says", async () => {
    const row = page.locator(`tr[data-rule="${ruleId}"]`);
    const patched = answer("PATCH", `/alert-rules/${ruleId}`);
    const listed = relisted();
    await row.getByRole("button", { name: /^Enabled/ }).click();
    assert.equal((await patched).status(), 200);
    await listed;
    await idle();
    const [rule] = await rules();
    assert.equal(rule?.enabled, false);
    assert.equal(await row.locator('[data-action="enabled"]').getAttribute("aria-pressed"), "false");
    assert.deepEqual(page.errors, []);
  });

  it("deletes the rule after an inline confirmation; No keeps it", async () => {
    const row = page.locator(`tr[data-rule="${ruleId}"]`);
    await row.locator('[data-action="delete"]').click();
    // The confirmation takes the focus on its safe answer.
    const no = row.locator('[data-action="delete-no"]');
    assert.equal(await receivesFocus(no), true);
    await no.click();
    await row.locator('[data-action="delete"]').waitFor();
    assert.equal((await rules()).length, 1);
    await row.locator('[data-action="delete"]').click();
    const deleted = answer("DELETE", `/alert-rules/${ruleId}`);
    const listed = relisted();
    await row.getByRole("button", { name: /^Yes/ }).click();
    assert.equal((await deleted).status(), 204);
    await listed;
    assert.deepEqual(await rules(), []);
    await page.locator(`tr[data-rule="${ruleId}"]`).waitFor({ state: "detached" });
    await idle();
    assert.deepEqual(await axeViolations(page), [], "the view after the delete");
    assert.deepEqual(page.errors, []);
  });
});
