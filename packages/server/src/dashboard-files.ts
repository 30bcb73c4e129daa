import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Where the built dashboard (index.html and assets/) is. In a clone of the repository it is the
 * `@aftercall/dashboard` workspace's `dist/`, written by `npm run build`; the published package carries a
 * copy in its own `dashboard/` folder (put there when it is packed), and the private dashboard package is
 * not installed at all. The workspace comes first so a clone never serves a copy older than its build.
 */
export function findDashboardDir(): string {
  const packaged = fileURLToPath(new URL("../dashboard/", import.meta.url));
  try {
    const workspace = fileURLToPath(new URL("./dist/", import.meta.resolve("@aftercall/dashboard")));
    if (existsSync(workspace) || !existsSync(packaged)) return workspace;
  } catch {
    // Not a clone of the repository: the published package, with its own copy.
  }
  return packaged;
}
