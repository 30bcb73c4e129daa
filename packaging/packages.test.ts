/**
 * The published packages, as a user gets them: every public workspace is packed with `npm pack` (its
 * prepack builds it and writes the published manifest), checked like `npm publish` checks it, installed
 * from the tarballs into an empty directory outside the repository (third-party dependencies come from
 * the npm registry), and used there: `npx aftercall serve`, a survey from the packed client, the admin
 * API, the dashboard and the widget bundle; the React wrapper type-checks with React 18 and 19.
 *
 * Slow (npm installs, better-sqlite3 compiles from source where no prebuilt binary can be fetched):
 * `npm run test:packages`, not part of `npm test`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expectSuccess, ROOT, run, type Service, startService, userEnv } from "./support.js";

interface Packed {
  name: string;
  version: string;
  directory: string;
  tarball: string;
}

interface Manifest {
  name: string;
  private?: boolean;
  engines?: { node?: string };
  exports?: unknown;
  files?: string[];
  bin?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const NPM_INSTALL = ["install", "--no-audit", "--no-fund", "--loglevel=warn"];
const INSTALL_TIMEOUT = 600_000;

let work: string;
let packed: Packed[];
/** `git status` of the packages before packing: packing must leave it as it was. */
let statusBefore: string;
const packagesStatus = () =>
  execFileSync("git", ["status", "--porcelain", "--untracked-files=all", "--", "packages"], {
    cwd: ROOT,
    encoding: "utf8",
  });

/** Files of a tarball, without the `package/` prefix. */
function tarballFiles(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ""));
}

function tarballManifest(tarball: string): Manifest {
  return JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
}

/** An empty project outside the repository. */
async function consumer(name: string, manifest: object = {}): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name, private: true, type: "module", ...manifest }, null, 2),
  );
  return dir;
}

const tarballsOf = (...names: string[]) =>
  names.map((n) => {
    const p = packed.find((pkg) => pkg.name === n);
    assert.ok(p, `${n} was packed`);
    return p.tarball;
  });

/** npm's warnings about engines, peer conflicts or deprecations in an install's output. */
const badWarnings = (output: string) =>
  output.split("\n").filter((line) => /EBADENGINE|ERESOLVE|deprecated|npm error/i.test(line));

before(async () => {
  work = await mkdtemp(join(tmpdir(), "aftercall-packages-"));
  const tarballs = join(work, "tarballs");
  statusBefore = packagesStatus();
  expectSuccess(
    await run(process.execPath, [join(ROOT, "scripts/pack-packages.mjs"), tarballs], {
      cwd: ROOT,
      env: { ...process.env },
      timeoutMs: 300_000,
    }),
    "pack-packages",
  );
  packed = JSON.parse(await readFile(join(tarballs, "packed.json"), "utf8"));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("packed packages", () => {
  it("are every public workspace, and packing leaves the repository as it was", async () => {
    const root = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] };
    const publicOnes: string[] = [];
    for (const dir of root.workspaces) {
      const manifest = JSON.parse(await readFile(join(ROOT, dir, "package.json"), "utf8")) as Manifest;
      if (!manifest.private) publicOnes.push(manifest.name);
    }
    assert.deepEqual(
      packed.map((p) => p.name),
      publicOnes,
    );
    for (const name of ["@aftercall/schema", "@aftercall/client", "@aftercall/widget", "@aftercall/server"])
      assert.ok(publicOnes.includes(name), `${name} is public`);
    assert.equal(
      packagesStatus(),
      statusBefore,
      "prepack/postpack restored every manifest and removed their copies",
    );
  });

  it("ship compiled JavaScript, declarations, a README, the LICENSE and engines; no TypeScript sources", () => {
    for (const p of packed) {
      const files = tarballFiles(p.tarball);
      assert.ok(files.includes("README.md"), `${p.name} has a README`);
      assert.ok(files.includes("LICENSE"), `${p.name} has the LICENSE`);
      assert.ok(
        files.includes("dist/index.js") && files.includes("dist/index.d.ts"),
        `${p.name} is compiled`,
      );
      const sources = files.filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"));
      assert.deepEqual(sources, [], `${p.name} ships no TypeScript sources`);
      assert.deepEqual(
        files.filter((f) => f.startsWith("src/") || /\.test\.|\.map$|tsbuildinfo/.test(f)),
        [],
        `${p.name} ships no sources, tests, maps or build state`,
      );
      const manifest = tarballManifest(p.tarball);
      assert.match(manifest.engines?.node ?? "", /22/, `${p.name} declares engines`);
      assert.doesNotMatch(
        JSON.stringify(manifest.exports),
        /"source"|(?<!\.d)\.ts"/,
        `${p.name} exports only JS`,
      );
      assert.equal(manifest.scripts, undefined, `${p.name} has no repository scripts`);
      assert.equal(manifest.devDependencies, undefined, `${p.name} has no devDependencies`);
    }
  });

  it("depend only on each other and on published third-party packages, never on a private workspace", async () => {
    const names = new Set(packed.map((p) => p.name));
    for (const p of packed) {
      for (const dep of Object.keys(tarballManifest(p.tarball).dependencies ?? {})) {
        if (!dep.startsWith("@aftercall/")) continue;
        assert.ok(names.has(dep), `${p.name} depends on ${dep}, which is not published`);
      }
    }
  });

  it("carries the aftercall command and the built dashboard in the server package", () => {
    const server = packed.find((p) => p.name === "@aftercall/server") as Packed;
    const files = tarballFiles(server.tarball);
    assert.deepEqual(tarballManifest(server.tarball).bin, { aftercall: "./bin/aftercall.js" });
    assert.ok(files.includes("bin/aftercall.js"));
    assert.ok(files.includes("dashboard/index.html"));
    assert.ok(files.some((f) => /^dashboard\/assets\/index-[\w-]+\.js$/.test(f)));
  });

  it("pass npm publish --dry-run without warnings", async () => {
    for (const p of packed) {
      const out = await run("npm", ["publish", "--dry-run", p.tarball], { cwd: work, timeoutMs: 120_000 });
      expectSuccess(out, `npm publish --dry-run ${p.name}`);
      // The one expected warning: this machine is not logged in to the registry.
      const warnings = out.stderr
        .split("\n")
        .filter((line) => /warn/i.test(line) && !/requires you to be logged in/.test(line));
      assert.deepEqual(warnings, [], `${p.name}: ${out.stderr}`);
    }
  });
});

describe("installed from the tarballs into an empty directory", () => {
  let app: string;
  let install: string;
  let server: Service | undefined;

  before(async () => {
    app = await consumer("aftercall-install");
    const out = await run("npm", [...NPM_INSTALL, ...packed.map((p) => p.tarball)], {
      cwd: app,
      timeoutMs: INSTALL_TIMEOUT,
    });
    install = `${out.stdout}\n${out.stderr}`;
    expectSuccess(out, "npm install of the tarballs");
  });

  after(async () => {
    await server?.stop();
  });

  it("installs without engine, peer or deprecation warnings", () => {
    assert.deepEqual(badWarnings(install), [], install);
  });

  it("gives a working `npx aftercall --help`", async () => {
    const out = expectSuccess(
      await run("npx", ["aftercall", "--help"], { cwd: app }),
      "npx aftercall --help",
    );
    assert.match(out.stdout, /Usage: aftercall/);
    for (const command of ["serve", "demo-data", "projects", "keys", "surveys", "settings"])
      assert.match(out.stdout, new RegExp(`\\n  ${command}\\b`), `--help lists ${command}`);
  });

  it("serves: a survey from the packed client is stored and read back, the dashboard and widget load", async () => {
    const dataDir = join(app, "data");
    server = startService(
      "npx",
      ["aftercall", "serve", "--port", "0", "--data-dir", dataDir, "--no-demo-data"],
      {
        cwd: app,
        env: userEnv({ AFTERCALL_LOG_LEVEL: "warn" }),
      },
    );
    const banner = await server.waitFor(
      /Aftercall is running at (http:\/\/127\.0\.0\.1:\d+)[\s\S]*ingest key[^:]*:\s+(ac_pk_\S+)[\s\S]*admin token[^:]*:\s+(ac_sk_\S+)/,
      60_000,
    );
    const [, url, ingestKey, adminToken] = banner as unknown as [string, string, string, string];

    await writeFile(
      join(app, "submit.mjs"),
      `import { createSurveyClient, memoryStorage } from "@aftercall/client";
const [endpoint, projectKey] = process.argv.slice(2);
const surveys = createSurveyClient({ endpoint, projectKey, storage: memoryStorage() });
const result = await surveys.forCall({ callId: "packaged-call", participantId: "p-1" })
  .send({ overallRating: { score: 2 }, audioRating: { score: 1, issues: ["Echo"] } });
process.stdout.write(JSON.stringify(result));
`,
    );
    const sent = expectSuccess(
      await run(process.execPath, ["submit.mjs", url, ingestKey], { cwd: app, timeoutMs: 60_000 }),
      "submit.mjs",
    );
    const result = JSON.parse(sent.stdout) as { ok: boolean; status: string; response: { id: string } };
    assert.equal(result.ok, true, sent.stdout);
    assert.equal(result.status, "delivered");

    const read = await fetch(`${url}/v1/surveys/${result.response.id}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(read.status, 200);
    const record = (await read.json()) as { callId: string; ratings: Record<string, { score: number }> };
    assert.equal(record.callId, "packaged-call");
    assert.equal(record.ratings.audio?.score, 1);

    const page = await fetch(`${url}/`, { headers: { accept: "text/html" } });
    assert.equal(page.status, 200);
    const html = await page.text();
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `the dashboard page loads its script: ${html}`);
    const asset = await fetch(`${url}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);

    const widget = await fetch(`${url}/widget/aftercall-widget.js`);
    assert.equal(widget.status, 200);
    assert.match(await widget.text(), /aftercall-survey/);
  });

  it("refuses a stream destination while the optional NATS SDK is not installed, naming what to install", async () => {
    const out = await run(
      "npx",
      [
        "aftercall",
        "settings",
        "create",
        "--project",
        "demo",
        "--name",
        "to-nats",
        "--data-dir",
        join(app, "data"),
        "--destination",
        'stream={"servers":["nats://127.0.0.1:4222"],"subject":"aftercall.callsurvey"}',
      ],
      { cwd: app },
    );
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /npm install @nats-io\/transport-node @nats-io\/jetstream/);
  });
});

describe("the React wrapper in a TypeScript consumer project", () => {
  const consumerSource = `import { createSurveyClient } from "@aftercall/client";
import { AftercallSurvey } from "@aftercall/widget/react";

const surveys = createSurveyClient({ endpoint: "https://surveys.example.com", projectKey: "ac_pk_x" });

export function AfterCall(props: { callId: string; participantId: string; onDone: () => void }) {
  return (
    <AftercallSurvey
      client={surveys}
      call={{ callId: props.callId, participantId: props.participantId }}
      modalities={["audio", "video"]}
      onSubmit={(event) => console.log(event.detail.id)}
      onSkip={props.onDone}
    />
  );
}

// @ts-expect-error: "smell" is not a modality
export const wrong = <AftercallSurvey client={surveys} modalities={["smell"]} />;
`;
  // The repository's own TypeScript version, installed into the consumer from the registry.
  const typescript = (
    JSON.parse(
      execFileSync("node", ["-p", "JSON.stringify(require('typescript/package.json'))"], {
        cwd: ROOT,
        encoding: "utf8",
      }),
    ) as {
      version: string;
    }
  ).version;

  for (const react of ["18", "19"]) {
    it(`type-checks with React ${react} (strict, declarations of every package checked)`, async () => {
      const dir = await consumer(`react-${react}`);
      const out = await run(
        "npm",
        [
          ...NPM_INSTALL,
          `react@${react}`,
          `@types/react@${react}`,
          `typescript@${typescript}`,
          ...tarballsOf("@aftercall/schema", "@aftercall/client", "@aftercall/widget"),
        ],
        { cwd: dir, timeoutMs: INSTALL_TIMEOUT },
      );
      expectSuccess(out, `npm install with React ${react}`);
      await writeFile(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "ESNext",
            moduleResolution: "Bundler",
            jsx: "react-jsx",
            lib: ["ES2022", "DOM", "DOM.Iterable"],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: [],
          },
          include: ["app.tsx"],
        }),
      );
      await writeFile(join(dir, "app.tsx"), consumerSource);
      const checked = await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], {
        cwd: dir,
      });
      assert.equal(checked.code, 0, `tsc with React ${react}:\n${checked.stdout}${checked.stderr}`);
    });
  }
});

describe("a fresh clone of the repository", () => {
  it("links the aftercall command on the first npm install; it asks for a build, then runs", async () => {
    const clone = join(work, "clone");
    expectSuccess(await run("git", ["clone", "--quiet", ROOT, clone], { cwd: work }), "git clone");
    // From npm's cache (the repository's own install filled it); scripts off: no native build is needed
    // to link the command and run --help.
    const installed = expectSuccess(
      await run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: clone,
        timeoutMs: INSTALL_TIMEOUT,
        env: userEnv({ PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" }),
      }),
      "npm ci in the clone",
    );
    assert.deepEqual(
      badWarnings(`${installed.stdout}\n${installed.stderr}`).filter((l) => /EBADENGINE/.test(l)),
      [],
      "the repository installs without engine warnings on this Node",
    );
    const unbuilt = await run("npx", ["aftercall", "--help"], { cwd: clone });
    assert.equal(unbuilt.code, 1, unbuilt.stderr);
    assert.match(unbuilt.stderr, /not built yet.*npm run build/);

    expectSuccess(
      await run("npm", ["run", "build", "--silent", "-w", "packages/server"], {
        cwd: clone,
        timeoutMs: 300_000,
      }),
      "npm run build -w packages/server",
    );
    const help = expectSuccess(
      await run("npx", ["aftercall", "--help"], { cwd: clone }),
      "npx aftercall --help",
    );
    assert.match(help.stdout, /Usage: aftercall/);
  });
});
