import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Locator, Page } from "playwright-core";

const require = createRequire(import.meta.url);

/** The built widget bundle the server serves; e2e tests need `npm run build` (npm test's pretest does it). */
export function assertWidgetBuilt(): void {
  const path = require.resolve("@aftercall/widget/bundle");
  if (!existsSync(path))
    throw new Error(`The widget bundle ${path} is missing: run \`npm run build\` first.`);
}

/** Scope a selector to one category of the survey's details step. */
export const inCategory = (category: string, selector: string) =>
  `aftercall-survey .cat[data-category="${category}"] ${selector}`;

/** Choose a score in a category's radio group (overall lives in step 1, the others in step 2). */
export async function rate(page: Page, category: string, value: number): Promise<void> {
  await page
    .locator(
      `aftercall-survey [role="radiogroup"][data-category="${category}"] [role="radio"][data-value="${value}"]`,
    )
    .click();
}

export async function clickAction(
  page: Page,
  action: "next" | "submit" | "skip" | "retry" | "back",
): Promise<void> {
  await page.locator(`aftercall-survey button[data-action="${action}"]`).click();
}

/** End the simulated call in the demo, with these modalities used. */
export async function endDemoCall(page: Page, modalities: string[] = ["audio", "video"]): Promise<void> {
  for (const m of ["audio", "video", "screenshare"]) {
    await page.locator(`input[name="modality"][value="${m}"]`).setChecked(modalities.includes(m));
  }
  await page.locator("#end").click();
  await page.locator("aftercall-survey h2").waitFor();
}

/** The deepest focused element, through shadow roots, described for assertions. */
export async function focused(page: Page): Promise<{
  tag: string;
  role: string | null;
  action: string | null;
  value: string | null;
  tagName: string | null;
  category: string | null;
  text: string;
}> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const h = el as HTMLElement | null;
    return {
      tag: h?.tagName.toLowerCase() ?? "",
      role: h?.getAttribute("role") ?? null,
      action: h?.dataset.action ?? null,
      value: h?.dataset.value ?? null,
      tagName: h?.dataset.tag ?? null,
      category: h?.closest<HTMLElement>("[data-category]")?.dataset.category ?? null,
      text: (h?.textContent ?? "").trim().slice(0, 60),
    };
  });
}

/**
 * Whether `locator`'s element gets the focus within `timeout` ms. The dashboard moves focus in an
 * effect, after the paint that shows the element, so asking once right after it appears races.
 */
export async function receivesFocus(locator: Locator, timeout = 5_000): Promise<boolean> {
  const element = await locator.elementHandle();
  return locator
    .page()
    .waitForFunction((e) => e === document.activeElement, element, { timeout })
    .then(
      () => true,
      () => false,
    );
}

/** Press Tab until the focused element matches, as a keyboard user would; fails after `max` presses. */
export async function tabTo(
  page: Page,
  matches: (f: Awaited<ReturnType<typeof focused>>) => boolean,
  max = 40,
): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (matches(await focused(page))) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached the element; last focused: ${JSON.stringify(await focused(page))}`);
}

/** Run axe-core on the page (it follows open shadow roots) and return the violations. */
export async function axeViolations(
  page: Page,
): Promise<Array<{ id: string; impact: string | null; nodes: number; help: string }>> {
  await page.addScriptTag({ content: readFileSync(require.resolve("axe-core/axe.min.js"), "utf8") });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: unknown,
            opts: unknown,
          ): Promise<{
            violations: Array<{ id: string; impact: string | null; nodes: unknown[]; help: string }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
      help: v.help,
    }));
  });
}
