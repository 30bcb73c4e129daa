import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium; the tests never download a browser. `CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Why browser tests cannot run here, or `false` when they can. In CI a missing Chromium is an error,
 * never a skip: `.ci/run` installs it.
 */
export function browserSkip(): string | false {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return false;
  } catch {
    if (process.env.CI === "true")
      throw new Error(`Chromium is required in CI at ${CHROMIUM_PATH} (apt-get install chromium)`);
    return `Chromium not found at ${CHROMIUM_PATH}; install Debian's chromium package to run browser tests`;
  }
}

/**
 * Launch headless Chromium with the flags that keep it off the network (only loopback is reachable), plus
 * `extraArgs` (e.g. fake media devices).
 */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}
