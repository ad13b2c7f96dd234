import {
  ErrBadRequestBody,
  ErrMissingField,
  ErrProxyAlreadyExists,
  ErrProxyNotFound,
} from "./api/api-error.ts";
import { decodeFirstValue, type GoJson, isGoObject, kindOf } from "./api/go-json.ts";
import type { HotLoop } from "./hot-loop.ts";
import { type ProxyConfig, ToxiproxyProxy } from "./proxy.ts";
import { TapRecorder } from "./taps/tap-recorder.ts";
import { resolveTapOptions, type TapOptions } from "./taps/tap-types.ts";
import { decodeOrThrow } from "./toxic-collection.ts";

const PROXY_FIELDS = ["name", "listen", "upstream", "enabled"] as const;
type ProxyField = (typeof PROXY_FIELDS)[number];

/** Go's type name for populate's element, which its decoder quotes when the body is not an array. */
const POPULATE_GO_TYPE = '[]struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }';

/** All proxies of a server by name (upstream's ProxyCollection). */
export class ProxyCollection {
  readonly #proxies = new Map<string, ToxiproxyProxy>();
  readonly #hotLoop: HotLoop;
  /** Set when every proxy records its connections (the taps extension). */
  readonly taps: Required<TapOptions> | undefined;

  constructor(hotLoop: HotLoop, taps?: TapOptions) {
    this.#hotLoop = hotLoop;
    this.taps = taps ? resolveTapOptions(taps) : undefined;
  }

  /** Sorted by name, as Go's encoder sorts map keys. */
  all(): ToxiproxyProxy[] {
    return [...this.#proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): ToxiproxyProxy {
    const proxy = this.#proxies.get(name);
    if (!proxy) throw ErrProxyNotFound;
    return proxy;
  }

  async add(config: ProxyConfig): Promise<ToxiproxyProxy> {
    if (this.#proxies.has(config.name)) throw ErrProxyAlreadyExists;
    const proxy = new ToxiproxyProxy(
      config.name,
      config.listen,
      config.upstream,
      this.#hotLoop,
      this.taps ? new TapRecorder(config.name, this.taps) : undefined,
    );
    this.#proxies.set(config.name, proxy);
    if (config.enabled) {
      try {
        await proxy.start();
      } catch (error) {
        this.#proxies.delete(config.name);
        throw error;
      }
    }
    return proxy;
  }

  /** Populate's rule: same listen and upstream keeps the running proxy (and its toxics), else replace. */
  async addOrReplace(config: ProxyConfig): Promise<ToxiproxyProxy> {
    const existing = this.#proxies.get(config.name);
    if (existing) {
      if (existing.listen === config.listen && existing.upstream === config.upstream) return existing;
      await existing.stop();
      this.#proxies.delete(config.name);
    }
    return this.add(config);
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    await proxy.stop();
    this.#proxies.delete(name);
  }

  async clear(): Promise<void> {
    const proxies = [...this.#proxies.values()];
    this.#proxies.clear();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
  }

  /**
   * POST /populate. Returns what was applied and the error that stopped it, because upstream answers
   * both at once: `{"error":..,"status":..,"proxies":[applied so far]}`.
   */
  async populate(body: string): Promise<{ proxies: ToxiproxyProxy[] | null; error?: Error }> {
    let top: GoJson;
    try {
      top = decodeFirstValue(body);
    } catch (error) {
      return {
        proxies: null,
        error: ErrBadRequestBody.join(error instanceof Error ? error.message : String(error)),
      };
    }
    if (top !== null && !Array.isArray(top)) {
      return {
        proxies: null,
        error: ErrBadRequestBody.join(
          `json: cannot unmarshal ${kindOf(top)} into Go value of type ${POPULATE_GO_TYPE}`,
        ),
      };
    }
    const configs: ProxyConfig[] = [];
    try {
      for (const item of top ?? [])
        configs.push(decodeProxyConfig(item, { name: "", listen: "", upstream: "", enabled: true }, ""));
    } catch (error) {
      return { proxies: null, error: error as Error };
    }
    for (const [index, config] of configs.entries()) {
      if (config.name === "")
        return { proxies: null, error: ErrMissingField.join(`name at proxy ${index + 1}`) };
      if (config.upstream === "")
        return { proxies: null, error: ErrMissingField.join(`upstream at proxy ${index + 1}`) };
    }
    const applied: ToxiproxyProxy[] = [];
    for (const config of configs) {
      try {
        applied.push(await this.addOrReplace(config));
      } catch (error) {
        return { proxies: applied, error: error as Error };
      }
    }
    return { proxies: applied };
  }
}

/** Decodes a proxy body over `base` (upstream decodes into a struct pre-filled with defaults). */
export function decodeProxyConfig(value: GoJson, base: ProxyConfig, goStruct: string): ProxyConfig {
  if (value === null) return { ...base };
  if (!isGoObject(value)) {
    const into =
      goStruct === ""
        ? "Go value of type struct { toxiproxy.Proxy; Enabled *bool }"
        : `Go value of type toxiproxy.${goStruct}`;
    throw ErrBadRequestBody.join(`json: cannot unmarshal ${kindOf(value)} into ${into}`);
  }
  const config = { ...base };
  for (const [key, raw] of value.entries) {
    const field = PROXY_FIELDS.find((f) => f === key) ?? PROXY_FIELDS.find((f) => f === key.toLowerCase());
    if (field === undefined) continue;
    const decoded = decodeOrThrow(raw, field === "enabled" ? "bool" : "string", `${goStruct}.${field}`);
    if (decoded !== undefined) (config as Record<ProxyField, unknown>)[field] = decoded;
  }
  return config;
}
