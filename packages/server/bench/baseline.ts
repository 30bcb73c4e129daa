/**
 * `bench:ingest --baseline <ref>`: another commit of Aftercall, built beside this checkout, so both are
 * measured in the same run on the same machine (ratios between runs of different hours mean little on
 * a shared machine). The ref is checked out as a detached git worktree in the temp directory, given a
 * copy of this checkout's node_modules (the workspaces' links are relative, so they point into the
 * worktree) and built with `tsc -b`; the worktree is removed at the end.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Baseline {
  /** The full commit id. */
  commit: string;
  /** `aftercall`'s entry point of the built baseline (dist/cli.js). */
  cli: string;
  /** Whether its `serve` knows `--no-demo-data`. */
  hasNoDemoData: boolean;
  remove(): void;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    );
  return result.stdout.trim();
}

/** Check out and build `ref` of the repository at `root`. */
export function prepareBaseline(root: string, ref: string, log: (message: string) => void): Baseline {
  const commit = run("git", ["rev-parse", "--verify", `${ref}^{commit}`], root);
  const dir = join(tmpdir(), `aftercall-baseline-${commit.slice(0, 12)}`);
  const remove = () => {
    spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: root });
    rmSync(dir, { recursive: true, force: true });
  };
  if (existsSync(dir)) remove();
  log(`bench: baseline ${ref} = ${commit.slice(0, 12)}: checking out and building in ${dir}…`);
  run("git", ["worktree", "add", "--detach", dir, commit], root);
  try {
    cpSync(join(root, "node_modules"), join(dir, "node_modules"), {
      recursive: true,
      verbatimSymlinks: true,
    });
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", "packages/server"], dir);
    const cli = join(dir, "packages/server/dist/cli.js");
    const help = spawnSync(process.execPath, [cli, "serve", "--help"], { cwd: dir, encoding: "utf8" }).stdout;
    return { commit, cli, hasNoDemoData: /--no-demo-data/.test(help), remove };
  } catch (error) {
    remove();
    throw error;
  }
}
