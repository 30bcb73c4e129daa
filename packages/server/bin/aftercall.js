#!/usr/bin/env node
// The `aftercall` command. It is a committed file rather than the compiled CLI itself so that npm links
// it on the first `npm install` of a clone, before anything is built (npm skips a bin whose file is absent).
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    "aftercall: the server is not built yet. In the repository run `npm run build` (or `npm start`) first.\n",
  );
  process.exit(1);
}
await import(cli.href);
