import { readFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { StreamchaosError, UserError } from "../lib/errors.ts";
import { trackLive } from "../lib/lifecycle.ts";
import { hostPort, reservePort } from "../lib/net.ts";
import type { LogLine } from "../runtime/logs/log-lines.ts";
import { runCommand } from "../runtime/process/run-command.ts";
import type { StartedProcess } from "../runtime/process/started-process.ts";
import { renderTemplate } from "../runtime/template.ts";

/**
 * An edge is what stands between the probe and the SUT: nothing (`direct`), or a real reverse proxy
 * started as a local process with one of its config profiles or the user's own config file.
 */

export interface EdgeProfile {
  name: string;
  /** One line: what this profile changes and why someone would deploy it. */
  description: string;
  /**
   * The whole config file with `{{host}}`, `{{port}}` (listen address) and `{{upstream}}` (host:port)
   * placeholders, in the edge's own format. It goes through the same rewriting as a user's file.
   */
  template: string;
  /**
   * The same profile with a TLS + HTTP/2 listener on `{{tls.port}}` (certificate `{{tls.cert}}`, key
   * `{{tls.key}}`) beside the cleartext one on `{{port}}`, used when the run has h2 or browser clients.
   * Absent: the profile cannot serve TLS.
   */
  tlsTemplate?: string;
}

export type EdgeAvailability = { ok: true; version: string } | { ok: false; reason: string; install: string };

export interface EdgeStartOptions {
  upstream: { host: string; port: number };
  /** A name from `profiles`; defaults to `defaultProfile`. Ignored when `configFile` is given. */
  profile?: string;
  /** The user's own config with `{{upstream}}` and `{{port}}` placeholders. */
  configFile?: string;
  /** Listen host (default 127.0.0.1). */
  host?: string;
  /** Listen port (default: a free one). A taken port is a UserError PORT_IN_USE. */
  port?: number;
  /** Readiness deadline (default 15 s). */
  readyTimeoutMs?: number;
  /**
   * Also serve TLS with HTTP/2 (ALPN h2, http/1.1) with this certificate, on a second port, for the
   * h2 and browser clients. The cleartext listener stays for the h1 probe. See runtime/tls/run-ca.ts.
   */
  tls?: EdgeTlsOptions;
}

export interface EdgeTlsOptions {
  /** PEM certificate (chain) and key files the proxy reads. */
  certPath: string;
  keyPath: string;
  /** TLS listen port (default: a free one). */
  port?: number;
}

/** Where a started edge serves TLS + HTTP/2. */
export interface EdgeTlsEndpoint {
  /** `https://127.0.0.1:port`: the origin the h2 probe and the browser use. */
  url: string;
  host: string;
  port: number;
}

/** `error.log`: the proxy's error/diagnostic log; `access.log`: one line per request. */
export type EdgeLogSource = "error.log" | "access.log";

export interface EdgeLogLine {
  t: number;
  line: string;
  source: EdgeLogSource;
}

export interface StartedEdge extends AsyncDisposable {
  name: string;
  /** Profile name, or `custom:<file>` for a user config. */
  profile: string;
  /** `http://127.0.0.1:port`, where the probe connects. */
  url: string;
  host: string;
  port: number;
  /** Error log (and access log) lines, stamped with lib/clock.ts time when read. */
  logs(): EdgeLogLine[];
  logsSince(t: number): EdgeLogLine[];
  alive(): boolean;
  /** The proxy's main process (absent for `direct`). */
  pid?: number;
  /** The config the proxy actually runs (inside its private temp dir, gone after dispose). */
  configPath?: string;
  /** Present when started with `tls`: the TLS + HTTP/2 listener. */
  tls?: EdgeTlsEndpoint;
}

export interface EdgeDefinition {
  name: string;
  profiles: Record<string, EdgeProfile>;
  defaultProfile: string;
  /** How a user's config of this edge adds its TLS listener (quoted when a file lacks the placeholders). */
  tlsPlaceholderExample?: string;
  available(): Promise<EdgeAvailability>;
  start(options: EdgeStartOptions): Promise<StartedEdge>;
}

// ---- helpers shared by the process-backed edges (nginx, caddy) ----

export function resolveProfile(edge: EdgeDefinition, name: string | undefined): EdgeProfile {
  const profile = edge.profiles[name ?? edge.defaultProfile];
  if (!profile) {
    throw new UserError("EDGE_UNKNOWN_PROFILE", {
      what: `Unknown ${edge.name} profile "${name}"`,
      why: `the ${edge.name} profiles are ${Object.keys(edge.profiles).join(", ")}`,
      fix: "Pick one of those, or pass your own config file.",
    });
  }
  return profile;
}

export interface RenderedConfig {
  text: string;
  /** The user's file (absolute) when the config came from one; error lines are reported against it. */
  userFile?: string;
  /** `custom:<file>` or the profile name. */
  label: string;
}

/**
 * The config to run: a profile's template, or the user's file. Both are templated with `{{host}}`,
 * `{{port}}` (where the edge listens) and `{{upstream}}` (host:port of the SUT, usually the hop B
 * toxiproxy). A user file must use `{{port}}` and `{{upstream}}`: a hard-coded upstream would bypass
 * the hop and its faults without anyone noticing.
 */
export interface UserConfigRules {
  /** How the placeholders look in this edge's format, quoted in the error for a file without them. */
  placeholderExample: string;
  /** How the TLS placeholders look and where they go, quoted when a run needs TLS and the file has none. */
  tlsPlaceholderExample: string;
  /** Edge-specific fix-ups of the raw file before templating (line count must not change). */
  adjust?: (raw: string) => string;
}

/** Values of `{{tls.port}}`, `{{tls.cert}}` and `{{tls.key}}`, as the proxy will see them. */
export interface TlsVars {
  port: number;
  cert: string;
  key: string;
}

/** Where a process-backed edge listens: its cleartext port, and its TLS port and files when asked. */
export interface EdgeListeners {
  port: number;
  tls?: TlsVars;
  /** Every port the proxy binds, for the free-port check and readiness. */
  ports: number[];
}

/** Picks the edge's ports (a free one unless given) and, with `tls`, its TLS listener's. */
export async function edgeListeners(options: EdgeStartOptions, host: string): Promise<EdgeListeners> {
  const port = options.port ?? (await reservePort(host));
  if (!options.tls) return { port, ports: [port] };
  const tls = {
    port: options.tls.port ?? (await reservePort(host)),
    cert: options.tls.certPath,
    key: options.tls.keyPath,
  };
  return { port, tls, ports: [port, tls.port] };
}

/** Placeholders a config must use to serve TLS (the names as written in a file). */
export const TLS_PLACEHOLDERS = ["tls.port", "tls.cert", "tls.key"] as const;

export async function renderEdgeConfig(
  edge: EdgeDefinition,
  options: EdgeStartOptions,
  vars: { host: string; port: number; tls?: TlsVars | undefined },
  rules: UserConfigRules,
): Promise<RenderedConfig> {
  const { host, port, tls } = vars;
  const templateVars = {
    host,
    port,
    upstream: hostPort(options.upstream.host, options.upstream.port),
    ...(tls ? { tls: { port: tls.port, cert: tls.cert, key: tls.key } } : {}),
  };
  if (options.configFile === undefined) {
    const profile = resolveProfile(edge, options.profile);
    const template = tls ? profile.tlsTemplate : profile.template;
    if (template === undefined) {
      throw new UserError("EDGE_PROFILE_NO_TLS", {
        what: `The ${edge.name} profile "${profile.name}" cannot serve TLS`,
        why: "the h2 and browser clients reach the edge over TLS with HTTP/2",
        fix: `Use a profile with a TLS variant (${tlsProfiles(edge).join(", ") || "none"}) or only the h1 client.`,
      });
    }
    return {
      text: renderTemplate(template, templateVars, `${edge.name} profile ${profile.name}`),
      label: profile.name,
    };
  }
  const userFile = resolvePath(options.configFile);
  let raw: string;
  try {
    raw = await readFile(userFile, "utf8");
  } catch (cause) {
    throw new UserError("EDGE_CONFIG_NOT_FOUND", {
      what: `Cannot read the ${edge.name} config ${userFile}`,
      why: (cause as NodeJS.ErrnoException).code ?? String(cause),
      fix: "Check the path given as the edge's configFile.",
      cause,
    });
  }
  const missing = ["port", "upstream"].filter((k) => !usesPlaceholder(raw, k));
  if (missing.length > 0) {
    throw new UserError("EDGE_CONFIG_PLACEHOLDER_MISSING", {
      what: `${userFile} does not use ${missing.map((k) => `{{${k}}}`).join(" and ")}`,
      why: "streamchaos picks the listen port and puts a fault-injecting hop in front of the backend",
      fix: `Write the listen address with {{port}} and the backend as {{upstream}} (e.g. ${rules.placeholderExample}).`,
    });
  }
  const usesTls = TLS_PLACEHOLDERS.filter((k) => usesPlaceholder(raw, k));
  if (tls && usesTls.length < TLS_PLACEHOLDERS.length)
    throw tlsPlaceholdersMissing(userFile, usesTls, rules.tlsPlaceholderExample);
  if (!tls && usesTls.length > 0) {
    throw new UserError("EDGE_CONFIG_TLS_NOT_PROVIDED", {
      what: `${userFile} uses ${usesTls.map((k) => `{{${k}}}`).join(", ")} but this edge was started without TLS`,
      why: "the TLS placeholders are only filled in when the run has an h2 or browser client",
      fix: "Add h2 or browser to the run's clients, or remove the TLS listener from the file.",
    });
  }
  const adjusted = rules.adjust ? rules.adjust(raw) : raw;
  return { text: renderTemplate(adjusted, templateVars, userFile), userFile, label: `custom:${userFile}` };
}

function tlsPlaceholdersMissing(
  file: string,
  used: readonly string[],
  example: string | undefined,
): UserError {
  const absent = TLS_PLACEHOLDERS.filter((k) => !used.includes(k));
  return new UserError("EDGE_CONFIG_TLS_PLACEHOLDER_MISSING", {
    what: `${file} does not use ${absent.map((k) => `{{${k}}}`).join(", ")}`,
    why: "the h2 and browser clients reach the edge over TLS with HTTP/2, with a certificate from a CA made for the run, on a port streamchaos picks",
    fix: `Add a TLS listener with all of ${TLS_PLACEHOLDERS.map((k) => `{{${k}}}`).join(", ")} beside the {{port}} one${example ? ` (${example})` : ""}, or run only the h1 client.`,
  });
}

/**
 * Before a run with h2 or browser clients starts anything: the user's config `file` for `edge` must
 * have a TLS listener. A file that cannot be read is left to the edge's start, which says so.
 */
export async function assertUserConfigServesTls(edge: EdgeDefinition, file: string): Promise<void> {
  const userFile = resolvePath(file);
  const raw = await readFile(userFile, "utf8").catch(() => undefined);
  if (raw === undefined) return;
  const used = TLS_PLACEHOLDERS.filter((k) => usesPlaceholder(raw, k));
  if (used.length < TLS_PLACEHOLDERS.length)
    throw tlsPlaceholdersMissing(userFile, used, edge.tlsPlaceholderExample);
}

function usesPlaceholder(text: string, key: string): boolean {
  return new RegExp(`\\{\\{\\s*${key.replace(".", "\\.")}\\s*\\}\\}`).test(text);
}

function tlsProfiles(edge: EdgeDefinition): string[] {
  return Object.values(edge.profiles)
    .filter((p) => p.tlsTemplate !== undefined)
    .map((p) => p.name);
}

/** Maps a "file:line" complaint about the generated config back to the user's file and quotes the line. */
export function configErrorAt(
  edge: string,
  config: RenderedConfig,
  message: string,
  line: number | undefined,
  output: string,
): StreamchaosError {
  const where = config.userFile ?? `the built-in ${edge} profile "${config.label}"`;
  const at = line === undefined ? where : `${where}:${line}`;
  const source = line === undefined ? undefined : config.text.split("\n")[line - 1];
  const info = {
    what: `${edge} rejected the config at ${at}`,
    why: message,
    fix: config.userFile ? `Fix ${at} and run again.` : "This is a streamchaos bug; please report it.",
    details: [
      ...(source === undefined ? [] : [`${line} | ${source.trim()}`]),
      ...output.trim().split("\n").slice(-10),
    ],
  };
  return config.userFile
    ? new UserError("EDGE_CONFIG_INVALID", info)
    : new StreamchaosError("EDGE_PROFILE_INVALID", info);
}

/** Builds a StartedEdge on a running proxy process; `collect` gathers its log lines in time order. */
export function edgeFromProcess(args: {
  name: string;
  profile: string;
  host: string;
  port: number;
  process: StartedProcess;
  configPath: string;
  /** The TLS + HTTP/2 listener, when the edge serves one. */
  tlsPort?: number;
  collect: () => EdgeLogLine[];
  dispose: () => Promise<void>;
}): StartedEdge {
  // Tracked as a whole (not only its process) so Ctrl-C also removes the temp dir.
  let untrack = () => {};
  const edge: StartedEdge = {
    name: args.name,
    profile: args.profile,
    url: `http://${hostPort(args.host, args.port)}`,
    host: args.host,
    port: args.port,
    logs: args.collect,
    logsSince: (t) => args.collect().filter((l) => l.t >= t),
    alive: () => args.process.alive(),
    pid: args.process.pid,
    configPath: args.configPath,
    ...(args.tlsPort === undefined
      ? {}
      : {
          tls: {
            url: `https://${hostPort(args.host, args.tlsPort)}`,
            host: args.host,
            port: args.tlsPort,
          },
        }),
    async [Symbol.asyncDispose]() {
      try {
        await args.dispose();
      } finally {
        untrack();
      }
    },
  };
  untrack = trackLive(edge);
  return edge;
}

/** Turns runtime log lines into edge log lines of one source. */
export function asEdgeLines(lines: readonly LogLine[], source: EdgeLogSource): EdgeLogLine[] {
  return lines.map((l) => ({ t: l.t, line: l.line, source }));
}

export const EDGE_READY_TIMEOUT_MS = 15_000;

/**
 * Asks a proxy binary for its version: the edge is available when it answers with one. A missing
 * binary is an answer too ("not found on PATH", with the install command), never a crash.
 */
export async function probeEdgeBinary(probe: {
  binary: string;
  args: string[];
  env: Record<string, string | undefined>;
  install: string;
  version: (output: string) => string | undefined;
}): Promise<EdgeAvailability> {
  try {
    const result = await runCommand(probe.binary, probe.args, {
      env: probe.env,
      install: probe.install,
      timeoutMs: 10_000,
    });
    const version = probe.version(result.stderr + result.stdout);
    if (result.code === 0 && version) return { ok: true, version };
    return {
      ok: false,
      reason: `\`${probe.binary} ${probe.args.join(" ")}\` failed: ${(result.stderr || result.stdout).trim()}`,
      install: probe.install,
    };
  } catch (error) {
    if (error instanceof UserError && error.code === "BINARY_NOT_FOUND") {
      return { ok: false, reason: `\`${probe.binary}\` was not found on PATH`, install: probe.install };
    }
    throw error;
  }
}

/** start() on an edge whose binary is missing: a user error with the install command. */
export async function requireAvailable(
  edge: string,
  available: () => Promise<EdgeAvailability>,
): Promise<void> {
  const availability = await available();
  if (!availability.ok) {
    throw new UserError("EDGE_UNAVAILABLE", {
      what: `The ${edge} edge is not available on this machine`,
      why: availability.reason,
      fix: `Install it (${availability.install}) or leave ${edge} out of --edge.`,
    });
  }
}
