import { chmod, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { StreamchaosError } from "../../lib/errors.ts";
import { Teardown } from "../../lib/lifecycle.ts";
import { LOOPBACK } from "../../lib/net.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { FileTail } from "../../runtime/logs/file-tail.ts";
import { runCommand } from "../../runtime/process/run-command.ts";
import { startProcess } from "../../runtime/process/start-process.ts";
import { Wait } from "../../runtime/wait/wait.ts";
import {
  asEdgeLines,
  configErrorAt,
  EDGE_READY_TIMEOUT_MS,
  type EdgeAvailability,
  type EdgeDefinition,
  type EdgeStartOptions,
  edgeFromProcess,
  edgeListeners,
  probeEdgeBinary,
  type RenderedConfig,
  renderEdgeConfig,
  requireAvailable,
  type StartedEdge,
  type UserConfigRules,
} from "../edge.ts";
import { rewriteNginxConf } from "./nginx-conf.ts";
import { nginxProfiles } from "./profiles/index.ts";

const INSTALL = "apt-get install -y nginx";

const userConfigRules: UserConfigRules = {
  placeholderExample: "`listen {{host}}:{{port}};` and `proxy_pass http://{{upstream}};`",
  tlsPlaceholderExample:
    "in the same server block: `listen {{tls.port}} ssl http2;`, `ssl_certificate {{tls.cert}};` and `ssl_certificate_key {{tls.key}};`",
  // `listen {{port}}` would bind every interface; streamchaos listens on loopback only.
  adjust: (raw) => raw.replace(/(\blisten\s+)\{\{\s*(port|tls\.port)\s*\}\}/g, "$1{{host}}:{{$2}}"),
};

export interface NginxEdgeOptions {
  binary?: string;
  /** Environment for every nginx invocation (tests drop nginx from PATH with it). */
  env?: Record<string, string | undefined>;
}

export function createNginxEdge(options: NginxEdgeOptions = {}): EdgeDefinition {
  const binary = options.binary ?? "nginx";
  const env = options.env ?? {};

  const available = (): Promise<EdgeAvailability> =>
    probeEdgeBinary({
      binary,
      args: ["-v"],
      env: env,
      install: INSTALL,
      version: (output) => /nginx\/(\S+)/.exec(output)?.[1],
    });

  const definition: EdgeDefinition = {
    tlsPlaceholderExample: userConfigRules.tlsPlaceholderExample,
    name: "nginx",
    profiles: nginxProfiles,
    defaultProfile: "default",
    available,
    async start(startOptions: EdgeStartOptions): Promise<StartedEdge> {
      await requireAvailable("nginx", available);
      const host = startOptions.host ?? LOOPBACK;
      await using teardown = new Teardown();
      const dir = teardown.use(await makeTempDir("nginx"));
      // nginx running as root hands its workers to `nobody`, which must be able to reach the temp dirs
      // it creates (owned by nobody) inside our 0700 dir; traverse-only is enough.
      await chmod(dir.path, 0o711);
      const { port, tls, ports } = await edgeListeners(startOptions, host);
      const config = await renderEdgeConfig(definition, startOptions, { host, port, tls }, userConfigRules);
      const conf = join(dir.path, "nginx.conf");
      const text = rewriteNginxConf(config.text, {
        dir: dir.path,
        includeBase: config.userFile ? dirname(config.userFile) : undefined,
      });
      await writeFile(conf, text);
      // -e: nginx writes to its compiled-in /var/log/nginx/error.log before it has read the config.
      const args = ["-p", `${dir.path}/`, "-c", conf, "-e", join(dir.path, "error.log")];
      await checkConfig(binary, args, env, conf, config);

      const proc = teardown.use(
        await startProcess({
          name: `nginx (${config.label})`,
          command: binary,
          args,
          env,
          install: INSTALL,
          ports: ports.map((p) => ({ host, port: p })),
          stopTimeoutMs: 3_000,
          // The master logs "start worker processes" after binding every listen socket.
          readiness: Wait.forAll([
            Wait.forLogLine(/start worker process/),
            ...ports.map((p) => Wait.forPort(host, p)),
          ]).withTimeout(startOptions.readyTimeoutMs ?? EDGE_READY_TIMEOUT_MS),
        }),
      );
      const access = teardown.use(new FileTail(join(dir.path, "access.log")));
      const owned = teardown.move();
      return edgeFromProcess({
        name: "nginx",
        profile: config.label,
        host,
        port,
        process: proc,
        configPath: conf,
        ...(tls ? { tlsPort: tls.port } : {}),
        collect: () => {
          access.poll();
          // stderr is the error log (`error_log stderr`: nginx writes to its inherited fd 2).
          const errors = asEdgeLines(
            proc.logs().filter((l) => l.stream === "stderr"),
            "error.log",
          );
          return [...errors, ...asEdgeLines(access.log.logs(), "access.log")].sort((a, b) => a.t - b.t);
        },
        dispose: () => owned.dispose(),
      });
    },
  };
  return definition;
}

async function checkConfig(
  binary: string,
  args: string[],
  env: Record<string, string | undefined>,
  conf: string,
  config: RenderedConfig,
): Promise<void> {
  const result = await runCommand(binary, ["-t", ...args], { env, install: INSTALL });
  if (result.code === 0) return;
  const output = result.stderr + result.stdout;
  const problem = /\[(?:emerg|alert|crit|error)\] (?:\d+#\d+: )?(.*)$/m.exec(output)?.[1] ?? output.trim();
  const located = / in (\S+):(\d+)$/.exec(problem);
  if (located && located[1] === conf) {
    throw configErrorAt("nginx", config, problem.slice(0, located.index), Number(located[2]), output);
  }
  if (located) {
    // The problem is in a file the config includes: its own path and line are already right.
    throw configErrorAt("nginx", { ...config, userFile: config.userFile }, problem, undefined, output);
  }
  if (!config.userFile) {
    throw new StreamchaosError("EDGE_PROFILE_INVALID", {
      what: `nginx rejected profile ${config.label}`,
      why: problem,
    });
  }
  throw configErrorAt("nginx", config, problem, undefined, output);
}

export const nginxEdge = createNginxEdge();
