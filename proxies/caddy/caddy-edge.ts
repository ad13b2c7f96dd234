import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Teardown } from "../../lib/lifecycle.ts";
import { LOOPBACK } from "../../lib/net.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import type { LogLine } from "../../runtime/logs/log-lines.ts";
import { runCommand } from "../../runtime/process/run-command.ts";
import { startProcess } from "../../runtime/process/start-process.ts";
import { Wait } from "../../runtime/wait/wait.ts";
import {
  configErrorAt,
  EDGE_READY_TIMEOUT_MS,
  type EdgeAvailability,
  type EdgeDefinition,
  type EdgeLogLine,
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
import { patchCaddyJson } from "./caddy-json.ts";
import { caddyProfiles } from "./profiles/index.ts";

const INSTALL = "apt-get install -y caddy";

// Listeners are narrowed to the edge's host in the JSON patch, so a bare `:{{port}}` is fine here.
const userConfigRules: UserConfigRules = {
  placeholderExample: "`http://:{{port}} {` and `reverse_proxy {{upstream}}`",
  tlsPlaceholderExample:
    "a second site `https://:{{tls.port}} {` with `tls {{tls.cert}} {{tls.key}}` and the same `reverse_proxy {{upstream}}`",
};

export interface CaddyEdgeOptions {
  binary?: string;
  env?: Record<string, string | undefined>;
}

export function createCaddyEdge(options: CaddyEdgeOptions = {}): EdgeDefinition {
  const binary = options.binary ?? "caddy";
  const baseEnv = options.env ?? {};

  const available = (): Promise<EdgeAvailability> =>
    probeEdgeBinary({
      binary,
      args: ["version"],
      env: baseEnv,
      install: INSTALL,
      version: (output) => /v?(\d+\.\d+\.\d+\S*)/.exec(output)?.[1],
    });

  const definition: EdgeDefinition = {
    tlsPlaceholderExample: userConfigRules.tlsPlaceholderExample,
    name: "caddy",
    profiles: caddyProfiles,
    defaultProfile: "default",
    available,
    async start(startOptions: EdgeStartOptions): Promise<StartedEdge> {
      await requireAvailable("caddy", available);
      const host = startOptions.host ?? LOOPBACK;
      await using teardown = new Teardown();
      const dir = teardown.use(await makeTempDir("caddy"));
      // Caddy keeps certificates, locks and autosave.json under HOME / XDG dirs: keep them private.
      const env = { ...baseEnv, HOME: dir.path, XDG_DATA_HOME: dir.path, XDG_CONFIG_HOME: dir.path };
      const { port, tls, ports } = await edgeListeners(startOptions, host);
      const config = await renderEdgeConfig(definition, startOptions, { host, port, tls }, userConfigRules);
      const caddyfile = join(dir.path, "Caddyfile");
      await writeFile(caddyfile, config.text);

      // Adapting to JSON (and validating it) lets us switch the admin endpoint off, bind the host and
      // route logs for any Caddyfile, including one that has its own global options block.
      const adapted = await runCommand(
        binary,
        ["adapt", "--config", caddyfile, "--adapter", "caddyfile", "--validate"],
        {
          env,
          install: INSTALL,
        },
      );
      if (adapted.code !== 0) throw adaptError(adapted.stderr + adapted.stdout, caddyfile, config);
      const json = patchCaddyJson(JSON.parse(adapted.stdout) as Record<string, unknown>, { host });
      const jsonFile = join(dir.path, "caddy.json");
      await writeFile(jsonFile, JSON.stringify(json, null, 2));

      const proc = teardown.use(
        await startProcess({
          name: `caddy (${config.label})`,
          command: binary,
          args: ["run", "--config", jsonFile],
          env,
          install: INSTALL,
          ports: ports.map((p) => ({ host, port: p })),
          stopTimeoutMs: 3_000,
          readiness: Wait.forAll([
            Wait.forLogLine(/serving initial configuration/),
            ...ports.map((p) => Wait.forPort(host, p)),
          ]).withTimeout(startOptions.readyTimeoutMs ?? EDGE_READY_TIMEOUT_MS),
        }),
      );
      const owned = teardown.move();
      return edgeFromProcess({
        name: "caddy",
        profile: config.label,
        host,
        port,
        process: proc,
        configPath: jsonFile,
        ...(tls ? { tlsPort: tls.port } : {}),
        collect: () => proc.logs().map(classifyCaddyLine),
        dispose: () => owned.dispose(),
      });
    },
  };
  return definition;
}

/** Caddy logs JSON lines on stderr; access lines come from the `http.log.access*` loggers. */
export function classifyCaddyLine(line: LogLine): EdgeLogLine {
  let logger = "";
  try {
    const parsed = JSON.parse(line.line) as { logger?: unknown };
    if (typeof parsed.logger === "string") logger = parsed.logger;
  } catch {
    // Not JSON (a panic trace, a startup message before logging is set up): an error-log line.
  }
  return {
    t: line.t,
    line: line.line,
    source: logger.startsWith("http.log.access") ? "access.log" : "error.log",
  };
}

function adaptError(output: string, caddyfile: string, config: RenderedConfig): Error {
  // "Error: adapting config using caddyfile: /tmp/.../Caddyfile:5: unrecognized directive: foo"
  const message = /Error: (.*)$/m.exec(output)?.[1] ?? output.trim();
  const at = new RegExp(`${escapeRegExp(caddyfile)}:(\\d+)(?::\\s*)?`).exec(message);
  const line = at ? Number(at[1]) : undefined;
  const why = message
    .replace(/^adapting config using caddyfile(?: adapter)?: /, "")
    .replace(at?.[0] ?? "\u0000", "");
  return configErrorAt("caddy", config, why.trim(), line, output);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export const caddyEdge = createCaddyEdge();
