import type { Browser, BrowserContext, Page } from "playwright-core";

/** A dashboard page that records its uncaught errors. */
export type DashboardPage = Page & { errors: string[] };

export interface DashboardTarget {
  browser: Browser;
  /** The server's base URL. */
  url: string;
  /** The admin token signed in with unless a call names another. */
  token: string;
}

/**
 * `signedIn(options, hash, token)` for one test file: a page in a browser context of its own (UTC,
 * 1280×900 unless `options` say otherwise; `bypassCSP` only where a test injects axe-core or must show
 * that escaping alone holds), signed in on the dashboard at `hash`, once the sign-in form is gone, the
 * view has drawn (its heading, or the overview's survey count at `/`) and its URL names the view and
 * the project. Every context goes into `contexts`, which the file closes.
 */
export function dashboardSignIn(target: () => DashboardTarget, contexts: BrowserContext[], defaultHash = "") {
  return async function signedIn(
    options: Parameters<Browser["newContext"]>[0] = {},
    hash = defaultHash,
    token?: string,
  ): Promise<DashboardPage> {
    const { browser, url, token: adminToken } = target();
    const context = await browser.newContext({
      timezoneId: "UTC",
      viewport: { width: 1280, height: 900 },
      ...options,
    });
    contexts.push(context);
    const page = Object.assign(await context.newPage(), { errors: [] as string[] });
    page.on("pageerror", (e) => page.errors.push(e.message));
    await page.goto(`${url}/${hash}`);
    await page.getByLabel("Admin token").fill(token ?? adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The sign-in form is a `main h1` too: wait for it to go first (the token is checked with the API and
    // only then kept in the tab; a test that navigated before that found itself signed out again).
    await page.locator("main.signin").waitFor({ state: "detached" });
    await page
      .locator(hash ? "main h1" : '[data-kpi="surveys"]')
      .first()
      .waitFor();
    // The app writes the whole view into the URL once it knows the project (`replaceState`): a test that
    // read the URL before that saw it change under it.
    await page.waitForURL(/#view=.*project=/);
    return page;
  };
}
