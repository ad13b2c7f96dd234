import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { reservePort } from "../../lib/net.ts";
import { runCommand } from "../../runtime/process/run-command.ts";
import { startProcess } from "../../runtime/process/start-process.ts";
import type { StartedProcess } from "../../runtime/process/started-process.ts";
import { Wait } from "../../runtime/wait/wait.ts";

/** One workload as every server is told it: `chunks` content events of "abcd", paced or not. */
export interface Workload {
  chunks: number;
  /** Content event i is due (i + 1) * intervalMs after the request; 0 sends them all at once. */
  intervalMs: number;
}

/** A server the bench compares, and how to start it in its own process for a workload. */
export interface Peer {
  /** Short name for the tables. */
  name: string;
  /** What it is, for the header. */
  about: string;
  /** Why it cannot serve `workload`, or undefined when it can. */
  cannot?(workload: Workload): string | undefined;
  /** The command line (a node script and its arguments) and environment for the workload. */
  command(
    workload: Workload,
    port: number,
    dir: string,
  ): Promise<{ args: string[]; env?: Record<string, string> }>;
}

export interface RunningPeer {
  readonly peer: Peer;
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url).pathname;
const abcd = (n: number) => "abcd".repeat(n);

/** The fake as users start it: `streamchaos fake`, the TypeScript sources run through tsx. */
const fake: Peer = {
  name: "fake",
  about: "streamchaos fake --provider openai (bin/streamchaos.mjs: the TypeScript sources through tsx)",
  command: async (workload, port, dir) => ({
    args: [join(ROOT, "bin/streamchaos.mjs"), ...fakeArgs(port, await fakeScript(workload, dir))],
  }),
};

/**
 * The fake as the installed package runs it: `npm run build`'s dist/ with plain Node, no loader
 * (bin/streamchaos.mjs picks dist/ when the TypeScript sources are absent; a checkout has them).
 */
const fakeJs: Peer = {
  name: "fake-js",
  about:
    "streamchaos fake from dist/ (npm run build, plain Node, the bundled fake: what the installed package runs)",
  command: async (workload, port, dir) => ({
    args: [await builtCli(dir), ...fakeArgs(port, await fakeScript(workload, dir))],
  }),
};

const fakeArgs = (port: number, script: string) => [
  "fake",
  "--provider",
  "openai",
  "--port",
  String(port),
  "--script",
  script,
];

async function fakeScript(workload: Workload, dir: string): Promise<string> {
  const file = join(dir, `fake-${workload.chunks}-${workload.intervalMs}.json`);
  const pacing =
    workload.intervalMs > 0
      ? { firstTokenMs: workload.intervalMs, intervalMs: workload.intervalMs }
      : undefined;
  await writeFile(file, JSON.stringify({ content: { tokens: Array(workload.chunks).fill("abcd") }, pacing }));
  return file;
}

let built: Promise<string> | undefined;
/**
 * Runs `npm run build` once (dist/ from the sources as they are now, never a stale one) and returns
 * an entry in `dir` that starts `fake` the way bin/streamchaos.mjs does in an installed package:
 * from the bundle (dist/cli/fake-main.bundle.js), its arguments after the command's name.
 */
function builtCli(dir: string): Promise<string> {
  built ??= (async () => {
    const build = await runCommand(
      process.execPath,
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts/build.ts")],
      {
        timeoutMs: 300_000,
      },
    );
    if (build.code !== 0)
      throw new Error(`npm run build failed, so fake-js cannot start:\n${build.stdout}${build.stderr}`);
    const entry = join(dir, "streamchaos-dist.mjs");
    await writeFile(
      entry,
      `const { fakeMain } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "dist/cli/fake-main.bundle.js")).href)});\nprocess.exitCode = await fakeMain(process.argv.slice(3));\n`,
    );
    return entry;
  })();
  return built;
}

/**
 * Where the peers are installed: the checkout's node_modules (they are devDependencies), or
 * PEERS_NODE_MODULES, a node_modules folder that has them when this checkout's does not.
 */
const PEER_MODULES = process.env.PEERS_NODE_MODULES ?? join(ROOT, "node_modules");

function peerModule(name: string, file: string): string {
  const path = join(PEER_MODULES, name, file);
  if (!existsSync(path)) {
    throw new Error(
      `bench:peers: ${name} is not installed (no ${path}): it is a devDependency, so run \`npm install\` ` +
        "(or point PEERS_NODE_MODULES at a node_modules folder that has it); nothing is installed at run time",
    );
  }
  return path;
}

/** @copilotkit/aimock's server CLI (`llmock`, the Docker entrypoint), one fixture for the workload. */
const aimock: Peer = {
  name: "aimock",
  about: "@copilotkit/aimock 1.43.0 (llmock CLI: dist/cli.js -f fixture.json)",
  async command(workload, port, dir) {
    const file = join(dir, `aimock-${workload.chunks}-${workload.intervalMs}.json`);
    // ttft 0 sends the role chunk at once; tps then spaces every later chunk by intervalMs, so
    // content event i is due (i + 1) * intervalMs after the request, as for the others.
    const streamingProfile =
      workload.intervalMs > 0 ? { ttft: 0, tps: 1000 / workload.intervalMs } : undefined;
    const fixture = {
      match: { userMessage: "go" },
      response: { content: abcd(workload.chunks) },
      chunkSize: 4,
    };
    await writeFile(file, JSON.stringify({ fixtures: [{ ...fixture, streamingProfile }] }));
    return {
      args: [
        peerModule("@copilotkit/aimock", "dist/cli.js"),
        "--port",
        String(port),
        "--fixtures",
        file,
        "--log-level",
        "silent",
      ],
    };
  },
};

/** @dwmkerr/mock-llm: paces with one setInterval per stream, so it has no unpaced mode. */
const mockLlm: Peer = {
  name: "mock-llm",
  about: "@dwmkerr/mock-llm 0.1.29 (dist/main.js --config mock-llm.yaml)",
  cannot: (workload) =>
    workload.intervalMs === 0
      ? "no unpaced mode: it writes one chunk per setInterval tick, at least 1 ms apart (<= 1,000 events/s)"
      : undefined,
  async command(workload, port, dir) {
    const file = join(dir, `mock-llm-${workload.chunks}-${workload.intervalMs}.yaml`);
    const body = JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion",
      model: "gpt-4o",
      choices: [{ message: { role: "assistant", content: abcd(workload.chunks) }, finish_reason: "stop" }],
    });
    // YAML is a superset of JSON: the config is written as JSON.
    const config = {
      streaming: { chunkSize: 4, chunkIntervalMs: workload.intervalMs },
      rules: [
        {
          path: "/v1/chat/completions",
          method: "POST",
          match: "@",
          response: { status: 200, content: body },
        },
      ],
    };
    await writeFile(file, JSON.stringify(config));
    return {
      args: [peerModule("@dwmkerr/mock-llm", "dist/main.js"), "--config", file],
      env: { HOST: "127.0.0.1", PORT: String(port) },
    };
  },
};

/** The bare node:http floor (bench/peers/floor-server.mjs). */
const floor: Peer = {
  name: "floor",
  about: "bare node:http, precomputed chunks, a setTimeout per write (bench/peers/floor-server.mjs)",
  command: async (workload, port) => ({
    args: [join(ROOT, "bench/peers/floor-server.mjs")],
    env: {
      FLOOR_CHUNKS: String(workload.chunks),
      FLOOR_INTERVAL_MS: String(workload.intervalMs),
      FLOOR_PORT: String(port),
    },
  }),
};

export const peers: Record<string, Peer> = { fake, "fake-js": fakeJs, aimock, "mock-llm": mockLlm, floor };

/**
 * Starts `peer` for `workload` on a free port; resolves once the port accepts connections.
 * `extra` adds node options (before the script) and environment, e.g. a preloaded probe.
 */
export async function startPeer(
  peer: Peer,
  workload: Workload,
  dir: string,
  extra: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<RunningPeer> {
  const port = await reservePort();
  const { args, env } = await peer.command(workload, port, dir);
  const started: StartedProcess = await startProcess({
    name: peer.name,
    command: process.execPath,
    // PEERS_NODE_ARGS go to the servers' node alone (e.g. --cpu-prof, to profile them under load).
    args: [
      ...(process.env.PEERS_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      ...(extra.nodeArgs ?? []),
      ...args,
    ],
    env: { ...env, ...extra.env },
    readiness: Wait.forPort("127.0.0.1", port),
  });
  return { peer, pid: started.pid, port, stop: async () => void (await started.stop()) };
}
