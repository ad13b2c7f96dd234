import { startFakeProvider } from "../../fakes/index.ts";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { LOOPBACK, reservePort } from "../../lib/net.ts";
import { getEdge } from "../../proxies/edges.ts";
import { resolveToxiproxy } from "../../proxies/toxiproxy/index.ts";
import { startProcess } from "../../runtime/process/start-process.ts";
import { renderTemplate } from "../../runtime/template.ts";
import { Wait } from "../../runtime/wait/wait.ts";
import type {
  BackendSpec,
  EdgeBox,
  EdgeSpec,
  FakeBox,
  Runtime,
  StartedBox,
  ToxiproxyBox,
} from "./runtime.ts";

/**
 * A backend someone else started: it must already answer its health path. "Alive" means it still
 * answers; its output is not ours to capture, so log-based checks say not applicable.
 */
async function attachRunningBackend(spec: BackendSpec, url: string): Promise<StartedBox> {
  const parsed = new URL(url);
  const port = Number(parsed.port || 80);
  const health = new URL(spec.healthPath, parsed).href;
  const noLogs = { logs: () => [], logsSince: () => [], tail: () => [], onLine: () => () => {} };
  try {
    await Wait.forHttp(health)
      .withTimeout(spec.readyTimeoutMs)
      .waitUntilReady({ signal: new AbortController().signal, logs: noLogs });
  } catch (cause) {
    throw new UserError("BACKEND_URL_NOT_READY", {
      what: `Backend "${spec.name}" at ${url} does not answer`,
      why: cause instanceof Error ? cause.message : String(cause),
      fix: `Start it first (with its provider base URL pointing at the port given as providerPort), or give a \`command\` so streamchaos starts it.`,
      cause,
    });
  }
  const address = { host: parsed.hostname, port };
  return {
    name: spec.name,
    address: { internal: address, external: address },
    logs: () => [],
    logsCaptured: false,
    alive: async () => {
      try {
        return (await fetch(health, { signal: AbortSignal.timeout(2_000) })).ok;
      } catch {
        return false;
      }
    },
    [Symbol.asyncDispose]: async () => {},
  };
}

/**
 * A port reserved with reservePort() is free when reserved, and comes from below the range the OS
 * hands out by itself, but another process can still bind it by name before the child does (another
 * streamchaos run reserving the same way, a service started meanwhile): try a fresh one.
 */
async function retryPortRace<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const portRace = error instanceof StreamchaosError && error.code === "PORT_IN_USE";
      if (!portRace || attempt >= attempts) throw error;
    }
  }
}

const local = (port: number) => ({ internal: { host: LOOPBACK, port }, external: { host: LOOPBACK, port } });

/** The default runtime: every box is a process or an in-process server on 127.0.0.1. */
export class LocalRuntime implements Runtime {
  readonly name = "local" as const;

  async startFake(): Promise<FakeBox> {
    const fake = await startFakeProvider({ host: LOOPBACK, port: 0 });
    return {
      name: "fake",
      adminUrl: fake.adminUrl,
      address: local(fake.port),
      logs: () => [],
      alive: async () => true,
      [Symbol.asyncDispose]: () => fake[Symbol.asyncDispose](),
    };
  }

  async startToxiproxy(slots: number): Promise<ToxiproxyBox> {
    const toxiproxy = await resolveToxiproxy();
    const hopSlots = [];
    for (let i = 0; i < slots; i++) {
      // Port 0: Toxiproxy binds a free port itself and the lane reads it back from the created hop.
      hopSlots.push({ listen: `${LOOPBACK}:0`, address: local(0) });
    }
    const url = new URL(toxiproxy.url);
    return {
      name: "toxiproxy",
      apiUrl: toxiproxy.url,
      hopSlots,
      address: local(Number(url.port)),
      logs: () => [],
      alive: async () => true,
      [Symbol.asyncDispose]: () => toxiproxy[Symbol.asyncDispose](),
    };
  }

  async startBackend(spec: BackendSpec): Promise<StartedBox> {
    if (spec.url) return attachRunningBackend(spec, spec.url);
    // A port we reserved can be taken before the backend binds it; a port the user fixed cannot be retried.
    return spec.port === undefined
      ? retryPortRace(() => this.#startBackendProcess(spec))
      : this.#startBackendProcess(spec);
  }

  async #startBackendProcess(spec: BackendSpec): Promise<StartedBox> {
    if (!spec.command) {
      throw new UserError("BACKEND_NO_COMMAND", {
        what: `Backend "${spec.name}" has no command for the local runtime`,
        fix: "Give the backend a `command` (or a `url` for one that is already running).",
      });
    }
    const port = spec.port ?? (await reservePort());
    const vars = { port: String(port), host: LOOPBACK };
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.env))
      env[key] = renderTemplate(value, vars, `backend "${spec.name}" env ${key}`);
    const args = spec.command.args.map((arg) => renderTemplate(arg, vars, `backend "${spec.name}" args`));
    const child = await startProcess({
      name: `backend "${spec.name}"`,
      command: spec.command.command,
      args,
      env,
      ...(spec.command.cwd ? { cwd: spec.command.cwd } : {}),
      ports: [{ host: LOOPBACK, port }],
      readiness: Wait.forHttp(`http://${LOOPBACK}:${port}${spec.healthPath}`).withTimeout(
        spec.readyTimeoutMs,
      ),
    });
    return {
      name: spec.name,
      address: local(port),
      logs: () => child.logs().map((l) => ({ t: l.t, line: l.line, source: l.stream })),
      alive: async () => child.alive(),
      exited: child.exited,
      [Symbol.asyncDispose]: () => child[Symbol.asyncDispose](),
    };
  }

  async startEdge(spec: EdgeSpec): Promise<EdgeBox> {
    const edge = getEdge(spec.edge);
    const started = await retryPortRace(() =>
      edge.start({
        upstream: spec.upstream,
        ...(spec.profile ? { profile: spec.profile } : {}),
        ...(spec.configFile ? { configFile: spec.configFile } : {}),
        ...(spec.tls ? { tls: spec.tls } : {}),
      }),
    );
    return {
      name: `${started.name}:${started.profile}`,
      address: local(started.port),
      ...(started.tls ? { tls: local(started.tls.port) } : {}),
      logs: () => started.logs().map((l) => ({ t: l.t, line: l.line, source: l.source })),
      alive: async () => started.alive(),
      [Symbol.asyncDispose]: () => started[Symbol.asyncDispose](),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}
