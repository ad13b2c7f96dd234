import type { ProviderName } from "../../fakes/journal-types.ts";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import type { Teardown } from "../../lib/lifecycle.ts";
import { hostPort } from "../../lib/net.ts";
import type { Address, BackendSpec, BoxAddress, LogLine, Runtime } from "../boxes/runtime.ts";
import type { BackendRestart, ServiceRestart } from "../results.ts";
import { restartRecord } from "./backend-restart.ts";
import type { LaneService } from "./lane-options.ts";
import { type BackendDeath, RunningBackend } from "./running-backend.ts";

export type { LaneService };

/** The hop in front of a service: `from` is whoever calls it (the backend, other services). */
export interface ServiceLink {
  name: string;
  from: string;
  to: string;
}

const SERVICE_URL = /\{\{\s*service\.([\w.-]+?)\.url\s*\}\}/g;
const PROVIDER_URL = /\{\{\s*provider[.\s}]/;

/** Fills `{{service.<name>.url}}` in a spec's command and env with the origin of that service's hop. */
export function withServiceUrls(spec: BackendSpec, urls: Readonly<Record<string, string>>): BackendSpec {
  const fill = (text: string) => text.replace(SERVICE_URL, (whole, name: string) => urls[name] ?? whole);
  const env = Object.fromEntries(Object.entries(spec.env).map(([key, value]) => [key, fill(value)]));
  return {
    ...spec,
    env,
    ...(spec.command ? { command: { ...spec.command, args: spec.command.args.map(fill) } } : {}),
  };
}

/** The spec's command or env reaches the provider (`{{provider.url}}`, `{{provider.<name>.url}}`): hop C. */
export function callsProvider(spec: BackendSpec): boolean {
  return [...Object.values(spec.env), ...(spec.command?.args ?? [])].some((text) => PROVIDER_URL.test(text));
}

/** The service names a spec's command and env reach through `{{service.<name>.url}}`. */
export function servicesNamedBy(spec: BackendSpec): string[] {
  const texts = [...Object.values(spec.env), ...(spec.command?.args ?? [])];
  return [...new Set(texts.flatMap((text) => [...text.matchAll(SERVICE_URL)].map((m) => m[1]!)))];
}

/**
 * A backend's services on one lane: each a process watched like the backend (readiness, exit,
 * output, restart on the same port), each behind its own Toxiproxy hop named after it, started in
 * order so every service's URL exists before anything that names it starts.
 */
export class LaneServices {
  readonly urls: Readonly<Record<string, string>>;
  readonly links: readonly ServiceLink[];
  /** The boxes whose command or env reach the provider: hop C's client side (`a+b` when several). */
  readonly providerCaller: string;
  #running: Map<string, RunningBackend>;

  private constructor(
    running: Map<string, RunningBackend>,
    urls: Record<string, string>,
    links: ServiceLink[],
    providerCaller: string,
  ) {
    this.#running = running;
    this.urls = urls;
    this.links = links;
    this.providerCaller = providerCaller;
  }

  static async start(options: {
    runtime: Runtime;
    /** `label` is what the hops call its process (default "backend"). */
    backend: { name: string; label?: string; provider: ProviderName; spec: BackendSpec };
    services: readonly LaneService[];
    providerOrigin: string;
    /** Creates the hop named after the service in front of `target`; says where it listens. */
    hopInFront: (service: string, target: Address) => Promise<BoxAddress>;
    teardown: Teardown;
  }): Promise<LaneServices> {
    const { runtime, backend, services, providerOrigin, hopInFront, teardown } = options;
    const urls: Record<string, string> = {};
    const running = new Map<string, RunningBackend>();
    for (const service of services) {
      const spec = withServiceUrls(service.spec, urls);
      let box: RunningBackend;
      try {
        box = teardown.use(
          await RunningBackend.start(runtime, { spec, provider: backend.provider }, providerOrigin),
        );
      } catch (cause) {
        throw notReady(backend.name, service.name, cause);
      }
      running.set(service.name, box);
      const hop = await hopInFront(service.name, box.address.internal);
      urls[service.name] = `http://${hostPort(hop.internal.host, hop.internal.port)}`;
    }
    const own = backend.label ?? "backend";
    const callers = (name: string) => [
      ...(servicesNamedBy(backend.spec).includes(name) ? [own] : []),
      ...services.filter((s) => s.dependsOn.includes(name)).map((s) => s.name),
    ];
    const links = services.map((s) => ({
      name: s.name,
      from: callers(s.name).join("+") || "(none)",
      to: s.name,
    }));
    // A backend without a command (an image) is taken to call the provider itself.
    const providerCallers = [
      ...(callsProvider(backend.spec) || !backend.spec.command ? [own] : []),
      ...services.filter((s) => callsProvider(s.spec)).map((s) => s.name),
    ];
    return new LaneServices(
      running,
      urls,
      links,
      (providerCallers.length ? providerCallers : [own]).join("+"),
    );
  }

  get names(): string[] {
    return [...this.#running.keys()];
  }

  /** The services that are dead now, with everything each wrote up to its death. */
  async deaths(): Promise<Array<{ service: string; death: BackendDeath }>> {
    const dead = [];
    for (const [service, box] of this.#running) {
      const death = await box.death();
      if (death) dead.push({ service, death });
    }
    return dead;
  }

  /**
   * The stack's output behind the edge, in time order: the backend's lines and every service's, each
   * service's marked with its name. Checks read the whole chain: in incident 000 the frontend said
   * `other side closed` while the FastAPI backend said nothing.
   */
  stackLogs(
    backendLogs: readonly LogLine[],
    deaths: ReadonlyArray<{ service: string; death: BackendDeath }>,
  ): LogLine[] {
    const lines = [...backendLogs];
    for (const [service, box] of this.#running) {
      const own = deaths.find((d) => d.service === service)?.death.logs ?? box.logs();
      lines.push(...own.map((l) => ({ ...l, line: `${service}: ${l.line}` })));
    }
    return lines.sort((a, b) => a.t - b.t);
  }

  /**
   * Brings back every service that died, each on its port (its hop forwards there), and says which
   * died. One that does not come back is a setup error: the stack cannot run without it.
   */
  async reviveDead(noticed: BackendRestart["noticed"]): Promise<ServiceRestart[]> {
    const restarts: ServiceRestart[] = [];
    for (const { service, death } of await this.deaths()) {
      await this.#running.get(service)!.restart(death);
      restarts.push({ service, ...restartRecord(death, noticed, true) });
    }
    return restarts;
  }
}

/** A service that did not come up: what it wrote is the first thing to read. */
function notReady(backend: string, service: string, cause: unknown): unknown {
  if (!(cause instanceof StreamchaosError)) return cause;
  return new UserError("SERVICE_NOT_READY", {
    what: `Service "${service}" of backend "${backend}" did not start`,
    why: cause.why ?? cause.what,
    fix: "Check the service's command, env and healthPath; its last log lines are below.",
    details: cause.details,
    cause,
  });
}
