import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, type TestContext, test } from "vitest";
import { runCommand } from "../runtime/process/run-command.ts";

/**
 * The package as a user gets it: `npm pack` (which builds dist/), installed into a fresh TypeScript
 * project next to a tiny streaming backend this test writes, then type-checked with the project's
 * own tsc and run with `npx streamchaos run`. Everything the sources-only suites cannot see (the
 * exports map, the compiled registries, the .d.ts, the bin without a loader, the files list) fails
 * here first.
 */
const REPO = fileURLToPath(new URL("..", import.meta.url));
const ours = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

// npm run by `npm test` exports npm_config_* and npm_package_*: a nested npm must not inherit them.
const cleanEnv: Record<string, string | undefined> = Object.fromEntries(
  Object.keys(process.env)
    .filter((key) => key.toLowerCase().startsWith("npm_"))
    .map((key) => [key, undefined]),
);

const sh = (command: string, args: string[], cwd: string, timeoutMs = 180_000) =>
  runCommand(command, args, { cwd, env: { ...cleanEnv, CI: "true", NO_COLOR: "1" }, timeoutMs });

/** A naive relay, as a new service might write it: always 200, the provider's bytes piped through. */
const SERVER = `import { createServer } from "node:http";

const base = process.env.OPENAI_BASE_URL;
createServer(async (req, res) => {
  if (req.url === "/health") return res.end("ok");
  let body = "";
  for await (const chunk of req) body += chunk;
  try {
    const upstream = await fetch(\`\${base}/chat/completions\`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body,
    });
    // The bug: the status is committed before the provider's is known.
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" });
    for await (const chunk of upstream.body) res.write(chunk);
  } catch (error) {
    console.error("relay failed:", error);
  }
  res.end();
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
`;

/** The CI config of the project: its own scenario file and check, beside one built-in scenario. */
const CI_CONFIG = `import { defineCheck, defineConfig, defineScenario } from "streamchaos";

const eventStream = defineCheck({
  name: "acme-event-stream",
  description: "the answer is served as text/event-stream",
  run(context) {
    const headers = context.exchanges[0]?.observation.response?.headers ?? [];
    const type = headers.find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "(none)";
    return type.startsWith("text/event-stream")
      ? { status: "pass", summary: \`content-type \${type}\` }
      : { status: "fail", summary: \`content-type \${type}, not text/event-stream\` };
  },
});

export default defineConfig({
  backends: [
    {
      name: "relay",
      command: "node server.mjs",
      env: { PORT: "{{port}}", OPENAI_BASE_URL: "{{provider.url}}" },
      provider: "openai",
      contract: "openai-relay",
    },
  ],
  include: ["incidents/*.scenario.ts"],
  checks: [eventStream],
  scenarios: [
    "acme-*",
    "happy-path",
    // Inline, beside ids and globs.
    defineScenario({
      id: "acme-inline-event-stream",
      title: "One token, served as an event stream",
      incident: "ACME-40",
      category: "acme",
      why: "The smallest answer still needs the event-stream type.",
      script: { content: { tokens: ["ok"] } },
      checks: ["clean-termination", "acme-event-stream"],
    }),
  ],
  lanes: 1,
  reporters: ["json"],
  outDir: "report-ci",
});
`;

/**
 * Two of the project's own incidents, one the relay handles and one it does not. Outside chaos/ (the
 * generated config's include): they name the CI config's check.
 */
const ACME_SCENARIOS = `import { defineScenario, type Scenario } from "streamchaos";

const answer: Scenario = defineScenario({
  id: "acme-answer-streams",
  title: "A short answer streams through the relay",
  incident: "ACME-12: answers arrived all at once",
  category: "acme",
  why: "The chat UI renders tokens as they come.",
  script: { content: { tokens: ["Hel", "lo ", "there"] }, pacing: { firstTokenMs: 50, intervalMs: 30 } },
  checks: ["clean-termination", "semantic-completion", "acme-event-stream"],
});

export default [
  answer,
  defineScenario({
    id: "acme-provider-overloaded",
    title: "The provider answers 503 before the first token",
    incident: "ACME-31: a 200 with a JSON error broke the UI",
    category: "acme",
    why: "The browser must see an HTTP error, not a 200 it cannot parse.",
    script: { faults: [{ fault: "http-error", status: 503 }] },
    checks: ["error-status-before-first-byte"],
  }),
];
`;

type Results = {
  results: Array<{
    scenario: { id: string };
    status: string;
    checks: Array<{ check: string; status: string; summary: string }>;
  }>;
};

async function verdicts(dir: string): Promise<Record<string, string>> {
  const run = JSON.parse(await readFile(join(project, dir, "results.json"), "utf8")) as Results;
  return Object.fromEntries(run.results.map((r) => [r.scenario.id, r.status]));
}

const TSCONFIG = {
  compilerOptions: {
    module: "NodeNext",
    target: "ES2022",
    strict: true,
    // false, as tsc has it by default: our .d.ts must not reach an optional peer that is not installed.
    skipLibCheck: false,
    noEmit: true,
  },
  include: ["*.ts", "chaos", "incidents"],
};

let root: string;
let project: string;
let packed: { filename: string; size: number; entryCount: number; files: Array<{ path: string }> };
let init: Awaited<ReturnType<typeof sh>>;
/** Why the package could not be installed here (an unreachable registry), when it could not. */
let unavailable: string | undefined;

function needsInstall(context: TestContext): void {
  if (unavailable) context.skip(unavailable);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "streamchaos-package-"));
  project = join(root, "service");
  const pack = await sh("npm", ["pack", "--json", "--pack-destination", root], REPO, 240_000);
  expect(pack.code, pack.stderr).toBe(0);
  // npm prints the build's output first; the JSON report is the last thing on stdout.
  packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[\n")))[0];

  await mkdir(join(project, "chaos"), { recursive: true });
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ name: "service", private: true, type: "module" }, null, 2)}\n`,
  );
  await writeFile(join(project, "tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  await writeFile(join(project, "server.mjs"), SERVER);
  await writeFile(join(project, "streamchaos.ci.config.ts"), CI_CONFIG);
  await mkdir(join(project, "incidents"), { recursive: true });
  await writeFile(join(project, "incidents", "acme.scenario.ts"), ACME_SCENARIOS);
  // The cache first: the tarball's dependencies are those this repository installed, so a machine
  // that ran `npm install` needs the registry only for what its cache lacks (`--prefer-offline`);
  // with no registry, the cache alone (`--offline` fails at once where an online install would
  // retry for minutes).
  const ping = await sh("npm", ["ping", "--fetch-retries=0", "--fetch-timeout=15000"], project, 60_000);
  const online = ping.code === 0;
  const install = await sh(
    "npm",
    [
      "install",
      online ? "--prefer-offline" : "--offline",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      join(root, packed.filename),
      `typescript@${ours.devDependencies.typescript}`,
      `@types/node@${ours.devDependencies["@types/node"]}`,
    ],
    project,
  );
  if (install.code !== 0) {
    // Only an unreachable registry is a reason not to test the package; any other failure is ours.
    expect(online, `npm install failed with the registry reachable:\n${install.stderr}`).toBe(false);
    const why = install.stderr
      .split("\n")
      .filter((line) => line.startsWith("npm error"))
      .slice(0, 2)
      .join("; ");
    unavailable =
      "the npm registry does not answer `npm ping` and the npm cache lacks a package the install needs " +
      `(${why.trim()}); run it where the registry answers, or after an \`npm install\` that fills the cache`;
    process.stderr.write(`tests/package.int.test.ts: skipped: ${unavailable}\n`);
    return;
  }
  // What a new user runs first: the generated config and example scenario join the project.
  init = await sh("npx", ["--no-install", "streamchaos", "init", "--command", "node server.mjs"], project);
}, 480_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("the packed package, installed into a fresh TypeScript project", () => {
  test("the tarball holds compiled code, a LICENSE and the README, and no tests or sources", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "bin/streamchaos.mjs",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/cli/main.js",
        // `streamchaos fake` runs from it (cli/fake-main.ts).
        "dist/cli/fake-main.bundle.js",
        "dist/harness/vitest.js",
        "dist/fakes/index.js",
        "dist/examples/node-backend/server.js",
        // Started by path by the watchdog of a run: plain JS, copied rather than compiled.
        "dist/lib/runs/reap-main.mjs",
        "examples/fastapi-backend/app.py",
      ]),
    );
    expect(paths.filter((p) => /\.test\.|\/testing\/|(^|\/)bench\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
    // A source map would point at those absent .ts files: a debugger would show nothing.
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
  });

  test("every relative link in the installed README points at a file that shipped", async (context) => {
    needsInstall(context);
    const installed = join(project, "node_modules", "streamchaos");
    const readme = await readFile(join(installed, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((link) => !/^[a-z]+:/.test(link));
    const shipped = new Set(packed.files.map((f) => f.path));
    expect(links.filter((link) => !shipped.has(join(".", link)))).toEqual([]);
  });

  test("npx streamchaos init wrote a config and an example scenario, and will not overwrite them", async (context) => {
    needsInstall(context);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/wrote streamchaos\.config\.ts\nwrote chaos\/example\.scenario\.ts/);
    const again = await sh("npx", ["--no-install", "streamchaos", "init"], project);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("streamchaos.config.ts already exists");
  });

  test("the project's own tsc type-checks the configs, the scenarios and a check with no error", async (context) => {
    needsInstall(context);
    const tsc = await sh(
      process.execPath,
      [join("node_modules", "typescript", "bin", "tsc"), "-p", "."],
      project,
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
  });

  test("plain Node imports every entry with no TypeScript loader, and CommonJS requires it", async (context) => {
    needsInstall(context);
    const script = `for (const entry of ["streamchaos", "streamchaos/fakes"]) {
      const m = await import(entry);
      console.log(entry, Object.keys(m).length);
    }`;
    const node = await sh(process.execPath, ["--input-type=module", "-e", script], project);
    expect(node.stderr).toBe("");
    expect(node.stdout).toMatch(/^streamchaos \d+\nstreamchaos\/fakes \d+\n$/);
    // `node -e` is CommonJS: Node >= 20.19 loads the ESM build through require().
    const cjs = await sh(
      process.execPath,
      ["-e", 'const s = require("streamchaos"); console.log(typeof s.defineConfig, typeof s.runSuite)'],
      project,
    );
    expect(cjs.stdout, cjs.stderr).toBe("function function\n");
  });

  test("the installed streamchaos fake serves a scripted stream from its bundle, and Ctrl-C stops it", async (context) => {
    needsInstall(context);
    await writeFile(
      join(project, "fake-script.json"),
      JSON.stringify({ content: { tokens: ["Hel", "lo"] } }),
    );
    const bin = join(project, "node_modules", ".bin", "streamchaos");
    // What runs is the bundle alone: the CLI's main module, moved away meanwhile, is not needed.
    const main = join(project, "node_modules", "streamchaos", "dist", "cli", "main.js");
    await rename(main, `${main}.away`);
    const fake = spawn(bin, ["fake", "--provider", "openai", "--port", "0", "--script", "fake-script.json"], {
      cwd: project,
      // Without VITEST the CLI installs its real Ctrl-C handling, as in a terminal.
      env: { ...process.env, ...cleanEnv, VITEST: undefined, NO_COLOR: "1" } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      let err = "";
      fake.stderr.on("data", (chunk: Buffer) => {
        err += chunk;
      });
      const url = await new Promise<string>((resolve, reject) => {
        fake.stdout.on("data", (chunk: Buffer) => {
          out += chunk;
          const listening = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
          if (listening) resolve(listening[1]!);
        });
        fake.once("exit", (code) =>
          reject(new Error(`the fake exited (${code}) before listening:\n${out}${err}`)),
        );
      });
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      const body = await response.text();
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(body).toContain('"content":"Hel"');
      expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
      const exited = new Promise<string>((resolve) =>
        fake.once("exit", (code, signal) => resolve(`${code} ${signal}`)),
      );
      fake.kill("SIGINT");
      expect(await exited, err).toBe("0 null");
      expect(err).toContain("SIGINT received, stopping");
    } finally {
      if (fake.exitCode === null) fake.kill("SIGKILL");
      await rename(`${main}.away`, main);
    }
  });

  test("npx streamchaos list shows the project's scenarios beside the built-in ones, marked as its own", async (context) => {
    needsInstall(context);
    const list = await sh(
      "npx",
      ["--no-install", "streamchaos", "list", "--config", "streamchaos.ci.config.ts"],
      project,
    );
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/acme-provider-overloaded +\[yours\] .*\(incidents\/acme\.scenario\.ts\)/);
    expect(list.stdout).toMatch(/\n {2}happy-path +A paced answer/);
    expect(list.stdout).toMatch(/acme-inline-event-stream +\[yours\] .*\(streamchaos\.ci\.config\.ts\)/);
  });

  test("npx streamchaos run judges the tiny backend on the project's scenario file and check", async (context) => {
    needsInstall(context);
    const run = await sh(
      "npx",
      ["--no-install", "streamchaos", "run", "--config", "streamchaos.ci.config.ts"],
      project,
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(await verdicts("report-ci")).toEqual({
      "happy-path": "pass",
      "acme-answer-streams": "pass",
      "acme-inline-event-stream": "pass",
      // The relay commits 200 before it knows the provider's status.
      "acme-provider-overloaded": "fail",
    });
  });

  test("npx streamchaos run on the generated config: its example catches the relay's silent cut", async (context) => {
    needsInstall(context);
    const args = ["--scenario", "example-*,happy-path", "--reporter", "json", "--out", "report-init"];
    const run = await sh("npx", ["--no-install", "streamchaos", "run", ...args], project);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // The relay ends a cut answer cleanly, with no error marker: to the browser it looks complete.
    expect(await verdicts("report-init")).toEqual({
      "happy-path": "pass",
      "example-provider-cut-mid-answer": "fail",
    });
  });

  test("a scenario file of the project that throws: exit 2 naming the file and its line, and a glob that matches nothing warns", async (context) => {
    needsInstall(context);
    await mkdir(join(project, "broken"), { recursive: true });
    await writeFile(
      join(project, "broken", "keyed.scenario.ts"),
      'import { defineScenario } from "streamchaos";\n\nconst key: string | undefined = process.env.ACME_KEY;\nif (!key) throw new Error("ACME_KEY is not set");\nexport default defineScenario({} as never);\n',
    );
    const config = {
      backends: [{ name: "relay", command: "node server.mjs", provider: "openai", contract: "openai-relay" }],
      include: ["broken/*.scenario.ts", "chaos/typo/*.scenario.ts"],
    };
    await writeFile(join(project, "broken.config.json"), JSON.stringify(config));
    const run = await sh(
      "npx",
      ["--no-install", "streamchaos", "run", "--config", "broken.config.json"],
      project,
    );
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('warning: include "chaos/typo/*.scenario.ts" matches no file');
    expect(run.stderr).toMatch(
      /error\[SCENARIO_LOAD_FAILED\]: Cannot load scenario file broken\/keyed\.scenario\.ts\n {2}why: ACME_KEY is not set \(at keyed\.scenario\.ts:4:17\)/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test("the optional peers stay out, and --runtime docker without testcontainers is exit 2 saying what to install", async (context) => {
    needsInstall(context);
    const installed = ["vitest", "testcontainers", "playwright-core", "zx"].filter((name) =>
      existsSync(join(project, "node_modules", name)),
    );
    expect(installed).toEqual([]);
    const run = await sh(
      "npx",
      ["--no-install", "streamchaos", "run", "--config", "streamchaos.ci.config.ts", "--runtime", "docker"],
      project,
    );
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain(
      "error[DEPENDENCY_MISSING]: --runtime docker needs the npm package testcontainers",
    );
    expect(run.stderr).toContain(`npm i -D testcontainers@${ours.peerDependencies.testcontainers}`);
  });
});
