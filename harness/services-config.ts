import { isAbsolute, resolve } from "node:path";
import { UserError } from "../lib/errors.ts";
import { templatePlaceholders } from "../runtime/template.ts";

/**
 * A service a backend calls (incident 000: the frontend calls the FastAPI backend). It is started
 * and watched like the backend; `{{service.<name>.url}}` in the backend's or another service's
 * command and env is the origin of its own Toxiproxy hop, named after it.
 */
export interface ServiceConfig {
  /** Also the name of the hop in front of it: scenarios put toxics on it by this name. */
  name: string;
  /** As a backend's: a string runs as `/bin/sh -c`, an array as argv. `{{port}}`, `{{host}}` are its own. */
  command: string | string[];
  cwd?: string;
  /** `{{port}}`, `{{provider.url}}` (hop C) and `{{service.<name>.url}}` are filled in. */
  env?: Record<string, string>;
  healthPath?: string;
  readyTimeoutMs?: number;
}

export interface ResolvedService extends ServiceConfig {
  env: Record<string, string>;
  healthPath: string;
  readyTimeoutMs: number;
  /** The services its command and env name, which must be reachable before it starts. */
  dependsOn: string[];
}

/** The lane's own hops: a service of that name would make a scenario's toxic ambiguous. */
export const RESERVED_LINK_NAMES = ["A", "B", "C"] as const;

const SERVICE_PLACEHOLDER = /^service\.(.+)\.url$/;

interface Templated {
  command?: string | string[] | undefined;
  env?: Record<string, string> | undefined;
}

/** Every `{{service.*}}` placeholder in a command and env, with the field it is in. */
function serviceReferences(box: Templated, field: string): Array<{ field: string; placeholder: string }> {
  const texts: Array<[string, string]> = [];
  if (typeof box.command === "string") texts.push([`${field}.command`, box.command]);
  else for (const [i, arg] of (box.command ?? []).entries()) texts.push([`${field}.command[${i}]`, arg]);
  for (const [key, value] of Object.entries(box.env ?? {})) texts.push([`${field}.env.${key}`, value]);
  return texts.flatMap(([where, text]) =>
    templatePlaceholders(text)
      .filter((p) => p === "service" || p.startsWith("service."))
      .map((placeholder) => ({ field: where, placeholder })),
  );
}

/**
 * Checks a backend's services (names, references, cycles) before anything starts and returns them in
 * the order they must start: every service after the ones it names. `field` is `backends[i]`.
 */
export function resolveServices(
  backend: Templated & { name: string; label?: string | undefined; services?: ServiceConfig[] | undefined },
  field: string,
  source: string,
  baseDir: string,
): ResolvedService[] {
  const declared = backend.services ?? [];
  const invalid = (code: string, why: string, fix: string, details?: string[]) =>
    new UserError(code, {
      what: `Invalid services of backend "${backend.name}" in ${source}`,
      why,
      fix,
      ...(details ? { details } : {}),
    });
  const byName = new Map<string, ServiceConfig>();
  for (const [i, service] of declared.entries()) {
    if (byName.has(service.name)) {
      throw invalid(
        "SERVICE_NAME_DUPLICATE",
        `${field}.services[${i}].name: "${service.name}" is used twice`,
        "Give every service of a backend its own name: it names its hop and its {{service.<name>.url}}.",
      );
    }
    if (backend.label !== undefined && service.name === backend.label) {
      throw invalid(
        "SERVICE_NAME_DUPLICATE",
        `${field}.services[${i}].name: "${service.name}" is also the backend's own label (${field}.label)`,
        "Give the service and the backend's label different names: the hops' stories would not tell the two boxes apart.",
      );
    }
    byName.set(service.name, service);
  }
  const known = [...byName.keys()];
  const dependencies = (box: Templated, where: string): string[] => {
    const names: string[] = [];
    for (const { field: at, placeholder } of serviceReferences(box, where)) {
      const name = SERVICE_PLACEHOLDER.exec(placeholder)?.[1];
      if (name === undefined || !byName.has(name)) {
        throw invalid(
          "SERVICE_UNKNOWN",
          `${at}: {{${placeholder}}} names ${name === undefined ? "no service" : `no service "${name}" of this backend`}`,
          known.length
            ? `Use {{service.<name>.url}} with one of: ${known.join(", ")}; or declare the service in ${field}.services.`
            : `Declare the service in ${field}.services ({ name, command, env, healthPath }), then use {{service.<name>.url}}.`,
        );
      }
      if (!names.includes(name)) names.push(name);
    }
    return names;
  };
  // The backend's own references are checked too: it is the usual caller of a service.
  dependencies(backend, field);
  const dependsOn = new Map(
    declared.map((s, i) => [s.name, dependencies(s, `${field}.services[${i}]`)] as const),
  );

  const ordered: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw invalid(
        "SERVICE_CYCLE",
        `the services name each other in a cycle: ${cycle.join(" → ")} (each needs the other's URL before it can start)`,
        "Break the cycle: a service can only reach services that start before it. If one side only calls back later, pass it a fixed URL instead of a template.",
      );
    }
    state.set(name, "visiting");
    for (const dependency of dependsOn.get(name) ?? []) visit(dependency, [...path, name]);
    state.set(name, "done");
    ordered.push(name);
  };
  for (const name of known) visit(name, []);

  return ordered.map((name) => {
    const service = byName.get(name)!;
    return {
      ...service,
      ...(service.cwd ? { cwd: isAbsolute(service.cwd) ? service.cwd : resolve(baseDir, service.cwd) } : {}),
      env: service.env ?? {},
      healthPath: service.healthPath ?? "/health",
      readyTimeoutMs: service.readyTimeoutMs ?? 20_000,
      dependsOn: dependsOn.get(name)!,
    };
  });
}

interface BackendWithServices {
  name: string;
  services?: ReadonlyArray<{ name: string }> | undefined;
}

interface LinkNaming {
  id: string;
  source?: { file?: string | undefined } | undefined;
  toxics?: ReadonlyArray<{ hop: string }> | undefined;
  down?: readonly string[] | undefined;
}

/** Every link a scenario names, with the field that names it. */
export function linksNamed(scenario: LinkNaming): Array<{ field: string; link: string }> {
  return [
    ...(scenario.toxics ?? []).map((t, i) => ({ field: `toxics[${i}].hop`, link: t.hop })),
    ...(scenario.down ?? []).map((link, i) => ({ field: `down[${i}]`, link })),
  ];
}

/**
 * A scenario naming a link that no backend of the run has is a typo: exit 2 before anything starts.
 * One that only some backends have runs on those and is not applicable on the others.
 */
export function checkScenarioLinks(
  scenarios: readonly LinkNaming[],
  backends: readonly BackendWithServices[],
): void {
  const services = new Set(backends.flatMap((b) => (b.services ?? []).map((s) => s.name)));
  for (const scenario of scenarios) {
    for (const { field, link } of linksNamed(scenario)) {
      if ((RESERVED_LINK_NAMES as readonly string[]).includes(link) || services.has(link)) continue;
      throw new UserError("SCENARIO_UNKNOWN_LINK", {
        what: `Scenario "${scenario.id}"${scenario.source?.file ? ` (${scenario.source.file})` : ""} names a link no backend has`,
        why: `${field}: "${link}" is neither a hop of the lane (A: client→edge, B: edge→backend, C: backend→provider) nor a service of any backend${services.size ? ` (services: ${[...services].join(", ")})` : " (no backend declares services)"}`,
        fix: "Name one of those links, or declare the service in the backend's `services`.",
      });
    }
  }
}

/** The links a scenario names that this backend lacks (undefined when it has them all). */
export function missingLink(scenario: LinkNaming, backend: BackendWithServices): string | undefined {
  const own = new Set((backend.services ?? []).map((s) => s.name));
  const missing = linksNamed(scenario).find(
    ({ link }) => !(RESERVED_LINK_NAMES as readonly string[]).includes(link) && !own.has(link),
  );
  if (!missing) return undefined;
  return `backend "${backend.name}" has no service "${missing.link}", whose hop the scenario names (${missing.field})`;
}

/**
 * Services run as processes on loopback, each behind a hop of the lane's Toxiproxy; the docker runtime
 * does not start them yet, so a run that would is stopped before anything starts rather than run
 * without them.
 */
export function checkServicesRuntime(
  backends: readonly BackendWithServices[],
  runtime: "local" | "docker",
): void {
  if (runtime === "local") return;
  const withServices = backends.filter((b) => b.services?.length);
  if (!withServices.length) return;
  throw new UserError("SERVICES_NEED_LOCAL_RUNTIME", {
    what: `Backend${withServices.length > 1 ? "s" : ""} ${withServices.map((b) => `"${b.name}"`).join(", ")} declare${withServices.length > 1 ? "" : "s"} services, which the ${runtime} runtime does not start`,
    why: "services run as local processes behind the lane's own Toxiproxy hops; the docker runtime has no such wiring yet",
    fix: 'Run with --runtime local (or runtime: "local" in the config), or give the backend an image that runs the whole stack.',
  });
}

/**
 * What the hops call a backend's own process: its label, else `backend`, unless a service already
 * has that name (then the backend's own name, so the chain never names two boxes alike).
 */
export function backendLabel(backend: {
  name: string;
  label?: string | undefined;
  services?: ReadonlyArray<{ name: string }> | undefined;
}): string {
  if (backend.label !== undefined) return backend.label;
  return backend.services?.some((s) => s.name === "backend") ? backend.name : "backend";
}
