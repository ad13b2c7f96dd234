import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import type { ProviderName } from "../fakes/journal-types.ts";
import { providerNames } from "../fakes/providers/registry.ts";
import { UserError } from "../lib/errors.ts";
import { didYouMean } from "../lib/suggest.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import type { CheckDefinition } from "./checks/check.ts";
import {
  type Contract,
  type ContractDefinition,
  type ContractRef,
  contractPresets,
  resolveContract,
} from "./contracts/index.ts";
import { resolveClients } from "./probe/clients.ts";
import type { ProbeClientName } from "./probe/observation.ts";
import {
  RESERVED_LINK_NAMES,
  type ResolvedService,
  resolveServices,
  type ServiceConfig,
} from "./services-config.ts";
import { describeLoadError, importUserModule } from "./user-modules.ts";

export type { ServiceConfig } from "./services-config.ts";

/**
 * The config people write (streamchaos.config.ts through defineConfig, or JSON). Validated with
 * messages that name the bad key, the value given and what is allowed.
 */
export interface BackendConfig {
  name: string;
  /**
   * A command that starts the backend: a string runs as `/bin/sh -c` of exactly that string, an array
   * as argv. `{{port}}` is its port.
   */
  command?: string | string[];
  cwd?: string;
  /** Environment; `{{port}}`, `{{provider.url}}`, `{{provider.openai.url}}`, ... are filled in. */
  env?: Record<string, string>;
  /** Which provider API the backend talks to: the fake renders every scenario in its format. */
  provider: ProviderName;
  contract: ContractRef;
  healthPath?: string;
  readyTimeoutMs?: number;
  /**
   * The backend's keepalive interval, if it sends any. Keepalive scenarios need it: their stall is
   * sized from it and the client's silence judged against it (not applicable without it).
   */
  keepaliveMs?: number;
  /** The backend's own bound on a silent provider (timeout checks allow this + 2 s). */
  upstreamTimeoutMs?: number;
  /**
   * Scenario ids (globs) this backend is known to fail, as `id` (every edge) or `id@edge` (that edge
   * only): they are reported as expected failures and do not fail the run.
   */
  expectFailures?: string[];
  /** Docker runtime: image to run instead of the command. */
  image?: string;
  /** A backend you started yourself, e.g. "http://127.0.0.1:8000": nothing is started or stopped. */
  url?: string;
  /**
   * With `url`: the port your backend's provider base URL points at (e.g. OPENAI_BASE_URL=
   * http://127.0.0.1:4010/v1 → 4010). The provider hop listens there; such a backend runs on one lane.
   */
  providerPort?: number;
  /**
   * The services this backend calls, each started and watched like it: `{{service.<name>.url}}` in
   * the backend's (or another service's) command and env reaches one through its own hop, named after
   * it, on which scenarios may put toxics (`toxics: [{ hop: "<name>", ... }]`). Local runtime only.
   */
  services?: ServiceConfig[];
  /**
   * What the hops call this backend's own process (`hops[].from`/`to`, the verdicts' stories):
   * default `backend`, or the backend's name when one of its services is called `backend`.
   * Incident 000's is `frontend`: it calls a service that is the FastAPI backend.
   */
  label?: string;
}

export interface EdgeConfig {
  edge: string;
  profile?: string;
  /** Your own nginx.conf / Caddyfile with {{port}} and {{upstream}} placeholders. */
  config?: string;
}

export interface StreamchaosConfig {
  backends: BackendConfig[];
  edges?: Array<string | EdgeConfig>;
  /**
   * Who makes the requests, a matrix dimension like edges (default `["h1"]`): `h1` (raw HTTP/1.1),
   * `h2` (HTTP/2 frames over TLS), `browser` (headless Chromium). h2 and browser reach each edge's TLS
   * listener with a certificate from a CA made for the run; browser entries are skipped, with the
   * install command, where Chromium is missing.
   */
  clients?: ProbeClientName[];
  /**
   * Your scenario files: globs relative to this config file (every `*.scenario.ts` under `chaos/`), of
   * modules that default-export one `defineScenario({...})` or an array of them, or `.json` holding
   * one or an array. They join the built-in catalog; a glob that matches nothing is a warning. A
   * relative cassette path in a scenario is read against its file.
   */
  include?: string[];
  /**
   * Let your scenarios take the place of built-in ones with the same id (otherwise such an id is an
   * error). `streamchaos repro` writes it, to pin a scenario as it ran.
   */
  replaceBuiltins?: boolean;
  /**
   * What runs: scenario ids and globs (`"pre-*"`) among the built-ins and your included files, and
   * inline `defineScenario({...})` objects, which run as they are. Default: every scenario.
   */
  scenarios?: Array<string | Scenario>;
  /** Your own checks (`defineCheck({...})`), usable by name in any scenario beside the built-in ones. */
  checks?: CheckDefinition[];
  lanes?: number;
  runtime?: "local" | "docker";
  reporters?: string[];
  outDir?: string;
  /**
   * Inconclusive results (the scenario ran, none of its deciding checks could apply) fail the run
   * unless this is true (`--allow-inconclusive`). They are reported apart either way.
   */
  allowInconclusive?: boolean;
}

export function defineConfig(config: StreamchaosConfig): StreamchaosConfig {
  return config;
}

const capabilitiesSchema = z
  .object({
    sessions: z.boolean().optional(),
    keepalives: z.boolean().optional(),
    doneSignal: z.boolean().optional(),
    errorMarker: z.boolean().optional(),
  })
  .strict();

const contractSchema = z.union([
  z.string(),
  z
    .object({
      preset: z.string(),
      path: z.string().optional(),
      model: z.string().optional(),
      capabilities: capabilitiesSchema.optional(),
    })
    .strict(),
  z.custom<ContractDefinition>(
    (v) => typeof v === "object" && v !== null && "interpret" in v && "request" in v,
    "a Contract object with request() and interpret()",
  ),
]);

const nameSchema = z.string().regex(/^[\w.-]+$/, "use letters, digits, '.', '_' or '-'");

const serviceSchema = z
  .object({
    name: nameSchema.refine((n) => !(RESERVED_LINK_NAMES as readonly string[]).includes(n), {
      message: `${RESERVED_LINK_NAMES.join(", ")} are the lane's own hops: name the service after what it is`,
    }),
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    healthPath: z.string().startsWith("/").optional(),
    readyTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

const backendSchema = z
  .object({
    name: z.string().regex(/^[\w.-]+$/, "use letters, digits, '.', '_' or '-'"),
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    provider: z.enum(providerNames as [ProviderName, ...ProviderName[]]),
    contract: contractSchema,
    healthPath: z.string().startsWith("/").optional(),
    readyTimeoutMs: z.number().int().positive().optional(),
    keepaliveMs: z.number().int().positive().optional(),
    upstreamTimeoutMs: z.number().int().positive().optional(),
    expectFailures: z.array(z.string()).optional(),
    image: z.string().optional(),
    url: z
      .url({ protocol: /^http$/, error: "must be an http:// URL, e.g. http://127.0.0.1:8000" })
      .optional(),
    providerPort: z.number().int().min(1).max(65535).optional(),
    services: z.array(serviceSchema).optional(),
    label: z
      .string()
      .regex(/^[\w.-]+$/, "use letters, digits, '.', '_' or '-'")
      .optional(),
  })
  .strict()
  .refine((b) => b.command !== undefined || b.image !== undefined || b.url !== undefined, {
    message:
      "give a `command` to start it, a `url` where it already runs, or an `image` for the docker runtime",
  })
  .refine((b) => b.url === undefined || b.providerPort !== undefined, {
    message: "a backend given by `url` needs `providerPort`: the port its provider base URL points at",
    path: ["providerPort"],
  })
  .refine((b) => b.url === undefined || b.command === undefined, {
    message: "give either `url` or `command`, not both",
    path: ["url"],
  })
  .refine((b) => b.url === undefined || !b.services?.length, {
    message:
      "a backend given by `url` was started with its service URLs already: give it a `command` so streamchaos starts it with {{service.<name>.url}}",
    path: ["services"],
  });

const configSchema = z
  .object({
    backends: z.array(backendSchema).min(1, "list at least one backend"),
    edges: z
      .array(
        z.union([
          z.string(),
          z
            .object({ edge: z.string(), profile: z.string().optional(), config: z.string().optional() })
            .strict(),
        ]),
      )
      .min(1)
      .optional(),
    clients: z.array(z.string()).min(1, "list at least one client (h1, h2, browser)").optional(),
    include: z.array(z.string().min(1)).optional(),
    replaceBuiltins: z.boolean().optional(),
    // Inline scenarios and checks are checked field by field when the run's catalog is loaded
    // (harness/catalog.ts), against the built-in checks and the fakes' script validation.
    scenarios: z
      .array(z.union([z.string().min(1), z.looseObject({}).refine((v) => !Array.isArray(v))]), {
        error: "list scenario ids, globs or defineScenario({...}) objects",
      })
      .optional(),
    checks: z
      .array(
        z
          .looseObject({})
          .refine((v) => !Array.isArray(v), "a check made with defineCheck({ name, description, run })"),
      )
      .optional(),
    lanes: z.number().int().min(1).max(16).optional(),
    runtime: z.enum(["local", "docker"]).optional(),
    reporters: z.array(z.string()).optional(),
    outDir: z.string().optional(),
    allowInconclusive: z.boolean().optional(),
  })
  .strict();

export interface ResolvedBackend extends Omit<BackendConfig, "contract" | "services"> {
  /** In start order: every service after the ones it names. */
  services?: ResolvedService[];
  contract: Contract;
  /** The contract as configured (a preset name, a preset with options, or your own object). */
  contractRef: ContractRef;
  healthPath: string;
  readyTimeoutMs: number;
}

export interface ResolvedConfig {
  file?: string;
  backends: ResolvedBackend[];
  edges: EdgeConfig[];
  /** The clients each scenario runs with on each backend and edge; absent means h1. */
  clients?: ProbeClientName[];
  /**
   * The clients were asked for by name on the command line: a browser client without Chromium is
   * then exit 2 with the install command, where a config's browser entries are skipped.
   */
  clientsRequired?: boolean;
  /** Which scenarios run, by id or glob (an inline scenario's id is in it); all when left out. */
  scenarios?: string[];
  /** Where relative paths of the config resolve: its file's folder (the working directory for code). */
  baseDir?: string;
  /** Globs of the user's scenario files, relative to `baseDir`. */
  include?: string[];
  /** The user's scenarios may replace built-in ones of the same id. */
  replaceBuiltins?: boolean;
  /** Inline scenario objects as the config gave them, with the field naming each (`scenarios[2]`). */
  inlineScenarios?: Array<{ field: string; scenario: unknown }>;
  /** The user's checks as the config gave them; validated when the run's catalog is loaded. */
  checks?: unknown[];
  lanes: number;
  runtime: "local" | "docker";
  reporters: string[];
  outDir: string;
  allowInconclusive: boolean;
}

/** The keys an object in the schema allows at `path` (array indexes and unions looked through). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes: z.ZodType[] = [schema];
  const step = (node: z.ZodType, key: PropertyKey | undefined): z.ZodType[] => {
    const def = (node as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
        return step(def.innerType as z.ZodType, key);
      case "union":
        return (def.options as z.ZodType[]).flatMap((o) => step(o, key));
      case "array":
        return key === undefined || typeof key !== "number" ? [] : [def.element as z.ZodType];
      case "object":
        if (key === undefined) return [node];
        return typeof key === "string" && key in (def.shape as object)
          ? [(def.shape as Record<string, z.ZodType>)[key]!]
          : [];
      default:
        return [];
    }
  };
  for (const key of path) nodes = nodes.flatMap((n) => step(n, key));
  return [
    ...new Set(
      nodes
        .flatMap((n) => step(n, undefined))
        .flatMap((n) => Object.keys((n as unknown as { _zod: { def: { shape: object } } })._zod.def.shape)),
    ),
  ];
}

/** Validates a config object; `source` names where it came from in messages. */
export function resolveConfig(raw: unknown, source: string, baseDir = process.cwd()): ResolvedConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const key = issue.path.length
        ? issue.path
            .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
            .join("")
            .replace(/^\./, "")
        : "(top level)";
      const allowed = key.endsWith("contract")
        ? ` (presets: ${Object.keys(contractPresets).join(", ")})`
        : "";
      // `comand` beside `command`: name the key that was meant, from the keys allowed right there.
      const meant =
        issue.code === "unrecognized_keys"
          ? issue.keys
              .map((typed) => didYouMean(typed, keysAt(configSchema, issue.path), (k) => `\`${k}\``))
              .join("")
          : "";
      return `${key}: ${issue.message}${meant}${allowed}`;
    });
    throw new UserError("CONFIG_INVALID", {
      what: `Invalid config in ${source}`,
      why: issues[0] ?? "it does not match the config schema",
      fix: "Fix the key named above; see the README's configuration reference.",
      details: issues.slice(1),
    });
  }
  const config = parsed.data;
  const names = new Set<string>();
  const backends = config.backends.map((backend, i) => {
    if (names.has(backend.name)) {
      throw new UserError("CONFIG_INVALID", {
        what: `Invalid config in ${source}`,
        why: `backends[${i}].name: "${backend.name}" is used twice`,
        fix: "Give every backend its own name.",
      });
    }
    names.add(backend.name);
    const services = resolveServices(backend, `backends[${i}]`, source, baseDir);
    const { services: _declared, ...fields } = backend;
    return {
      ...fields,
      ...(services.length ? { services } : {}),
      ...(backend.cwd ? { cwd: isAbsolute(backend.cwd) ? backend.cwd : resolve(baseDir, backend.cwd) } : {}),
      contract: resolveContract(backend.contract as ContractRef, `backends[${i}].contract`),
      contractRef: backend.contract as ContractRef,
      healthPath: backend.healthPath ?? "/health",
      readyTimeoutMs: backend.readyTimeoutMs ?? 20_000,
    } as ResolvedBackend;
  });
  const edges = (config.edges ?? ["direct"]).map((edge) => {
    const e = typeof edge === "string" ? { edge } : edge;
    return e.config ? { ...e, config: isAbsolute(e.config) ? e.config : resolve(baseDir, e.config) } : e;
  });
  return {
    ...(source.startsWith("/") ? { file: source } : {}),
    backends,
    edges,
    ...(config.clients ? { clients: resolveClients(config.clients) } : {}),
    ...selection((raw as StreamchaosConfig).scenarios),
    baseDir,
    ...(config.include ? { include: config.include } : {}),
    ...(config.replaceBuiltins ? { replaceBuiltins: true } : {}),
    // The user's own objects, not zod's copies: a check is found by identity in its run.
    ...(config.checks ? { checks: (raw as StreamchaosConfig).checks! } : {}),
    lanes: config.lanes ?? 2,
    runtime: config.runtime ?? "local",
    reporters: config.reporters ?? ["console"],
    outDir: resolve(baseDir, config.outDir ?? ".streamchaos/report"),
    allowInconclusive: config.allowInconclusive ?? false,
  };
}

/**
 * `scenarios: ["pre-*", defineScenario({...})]`: the strings select among the catalog, an inline
 * object joins it and is selected by its id.
 */
function selection(
  scenarios: Array<string | Scenario> | undefined,
): Pick<ResolvedConfig, "scenarios" | "inlineScenarios"> {
  if (!scenarios) return {};
  const inline = scenarios.flatMap((scenario, i) =>
    typeof scenario === "string" ? [] : [{ field: `scenarios[${i}]`, scenario }],
  );
  const ids = scenarios.map((s) => (typeof s === "string" ? s : String(s.id)));
  return { scenarios: ids, ...(inline.length ? { inlineScenarios: inline } : {}) };
}

/** Loads streamchaos.config.ts (through tsx) or a JSON config. */
export async function loadConfigFile(path: string): Promise<ResolvedConfig> {
  const file = resolve(path);
  let source: Buffer;
  try {
    source = await readFile(file);
  } catch (cause) {
    throw new UserError("CONFIG_NOT_FOUND", {
      what: `Cannot read config ${file}`,
      why: (cause as NodeJS.ErrnoException).code ?? String(cause),
      fix: "Pass --config with the path to streamchaos.config.ts or a .json config.",
      cause,
    });
  }
  let raw: unknown;
  if (file.endsWith(".json")) {
    try {
      raw = JSON.parse(source.toString("utf8"));
    } catch (cause) {
      throw new UserError("CONFIG_INVALID", {
        what: `Invalid JSON in ${file}`,
        why: (cause as Error).message,
        fix: "Fix the JSON syntax.",
        cause,
      });
    }
  } else {
    try {
      raw = (await importUserModule(file)).default;
    } catch (cause) {
      throw new UserError("CONFIG_LOAD_FAILED", {
        what: `Cannot load config ${file}`,
        why: describeLoadError(cause, file),
        fix: "Fix the error in the config file (run it with `npx tsx` to see the full trace).",
        cause,
      });
    }
    if (raw === undefined) {
      throw new UserError("CONFIG_INVALID", {
        what: `${file} has no default export`,
        fix: "End it with `export default defineConfig({ ... })`.",
      });
    }
  }
  return resolveConfig(raw, file, resolve(file, ".."));
}
