import { type BugName, type Bugs, bugSwitches, isBugName } from "./bugs.ts";
import { isProviderName, type ProviderName, providerNames } from "./upstream/registry.ts";

export interface Config {
  port: number;
  host: string;
  provider: ProviderName;
  baseUrl: string;
  apiKey: string;
  model: string | undefined;
  /** Bounds both the wait for the upstream's first byte and any silence after it. */
  upstreamTimeoutMs: number;
  keepaliveMs: number;
  /** Send `stream_options: {"include_usage": true}`: only for providers known to take it (incident 000 issue 4). */
  streamOptions: boolean;
  bugs: Bugs;
}

/** A configuration mistake: the entry point prints it and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): Config {
  const port = integer(env, "PORT", undefined, 0);
  const provider = env.PROVIDER ?? "openai";
  if (!isProviderName(provider)) {
    throw new ConfigError(`PROVIDER=${provider} is not known; use one of ${providerNames.join(", ")}`);
  }
  const baseUrl = env.PROVIDER_BASE_URL;
  if (!baseUrl) {
    throw new ConfigError(
      "PROVIDER_BASE_URL is required (e.g. http://127.0.0.1:4010/v1 for openai, .../api/v1 for openrouter, the bare origin for anthropic and gemini)",
    );
  }
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`PROVIDER_BASE_URL=${baseUrl} is not a URL`);
  }
  const streamOptions = env.STREAM_OPTIONS ?? "off";
  if (streamOptions !== "on" && streamOptions !== "off") {
    throw new ConfigError(`STREAM_OPTIONS=${streamOptions} must be "on" or "off"`);
  }
  return {
    port,
    host: env.HOST || "127.0.0.1",
    provider,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey: env.PROVIDER_API_KEY ?? "",
    model: env.MODEL || undefined,
    upstreamTimeoutMs: integer(env, "UPSTREAM_TIMEOUT_MS", 30_000, 1),
    keepaliveMs: integer(env, "KEEPALIVE_MS", 15_000, 1),
    streamOptions: streamOptions === "on",
    bugs: parseBugs(env.BUGS ?? ""),
  };
}

export function parseBugs(list: string): Bugs {
  const bugs = new Set<BugName>();
  for (const raw of list.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    if (!isBugName(name)) {
      throw new ConfigError(
        `BUGS: unknown bug "${name}"; known bugs: ${Object.keys(bugSwitches).join(", ")}`,
      );
    }
    bugs.add(name);
  }
  return bugs;
}

function integer(env: Env, name: string, fallback: number | undefined, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") {
    if (fallback === undefined) throw new ConfigError(`${name} is required`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name}=${raw} must be an integer >= ${min}`);
  }
  return value;
}
