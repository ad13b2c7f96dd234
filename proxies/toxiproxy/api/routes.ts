import { now } from "../../../lib/clock.ts";
import type { ToxiproxyProxy } from "../proxy.ts";
import type { ProxyCollection } from "../proxy-collection.ts";
import { decodeProxyConfig } from "../proxy-collection.ts";
import { tapToJson } from "../taps/tap-json.ts";
import { toxicJson } from "../toxic-collection.ts";
import {
  ErrBadRequestBody,
  ErrBadSince,
  ErrMissingField,
  ErrTapsOff,
  ErrToxicNotFound,
} from "./api-error.ts";
import { decodeFirstValue, goString } from "./go-json.ts";

/** The Toxiproxy release whose API this server answers as. */
export const TOXIPROXY_VERSION = "2.12.0";

export interface ApiRequest {
  readonly params: Readonly<Record<string, string>>;
  /** The query string: only the taps extension reads it. */
  readonly query: URLSearchParams;
  readonly body: string;
  readonly proxies: ProxyCollection;
}

export interface ApiResponse {
  readonly status: number;
  readonly body?: string;
  readonly contentType?: string;
}

export interface Route {
  readonly name: string;
  readonly methods: readonly string[];
  readonly path: string;
  readonly handler: (request: ApiRequest) => Promise<ApiResponse>;
}

const json = (body: string, status = 200): ApiResponse => ({ status, body, contentType: "application/json" });
const noContent: ApiResponse = { status: 204 };

export function proxyJson(proxy: ToxiproxyProxy): string {
  const toxics = proxy.toxics.list().map(toxicJson).join(",");
  // "Logger":{} is real: upstream's Proxy struct has an exported logger field that always encodes as {}.
  return (
    `{"name":${goString(proxy.name)},"listen":${goString(proxy.listen)},"upstream":${goString(proxy.upstream)},` +
    `"enabled":${proxy.enabled},"Logger":{},"toxics":[${toxics}]}`
  );
}

function decodeJson(body: string) {
  try {
    return decodeFirstValue(body);
  } catch (error) {
    throw ErrBadRequestBody.join(error instanceof Error ? error.message : String(error));
  }
}

function tapsOf(proxy: ToxiproxyProxy) {
  if (!proxy.taps) throw ErrTapsOff;
  return proxy.taps;
}

function sinceParam(query: URLSearchParams): number | undefined {
  const raw = query.get("since");
  if (raw === null) return undefined;
  const since = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(since)) {
    throw ErrBadSince.join(`since must be a time in epoch milliseconds, got ${JSON.stringify(raw)}`);
  }
  return since;
}

/**
 * Extensions of this server that a real Toxiproxy does not have (it answers them `404 page not
 * found`): the taps that record every proxied connection. Their own error bodies follow upstream's
 * shape. Matched after upstream's routes, so they can never shadow one.
 */
export const extensionRoutes: readonly Route[] = [
  {
    name: "TapsInfo",
    methods: ["GET"],
    path: "/taps",
    async handler({ proxies }) {
      const taps = proxies.taps;
      return json(
        taps
          ? `{"taps":true,"maxBytesPerConnection":${taps.maxBytesPerConnection},"maxBytesPerProxy":${taps.maxBytesPerProxy}}`
          : `{"taps":false}`,
      );
    },
  },
  {
    name: "TapsShow",
    methods: ["GET"],
    path: "/proxies/{proxy}/taps",
    async handler({ proxies, params, query }) {
      const taps = tapsOf(proxies.get(params.proxy!));
      const since = sinceParam(query);
      const connections = taps.list(since).map(tapToJson);
      return json(JSON.stringify({ proxy: taps.proxy, now: now(), evicted: taps.evicted, connections }));
    },
  },
  {
    name: "TapsClear",
    methods: ["DELETE"],
    path: "/proxies/{proxy}/taps",
    async handler({ proxies, params }) {
      tapsOf(proxies.get(params.proxy!)).clear();
      return noContent;
    },
  },
];

/** Upstream's route table, in its order. */
export const routes: readonly Route[] = [
  {
    name: "ResetState",
    methods: ["POST"],
    path: "/reset",
    async handler({ proxies }) {
      for (const proxy of proxies.all()) {
        await proxy.start();
        await proxy.toxics.reset();
      }
      return noContent;
    },
  },
  {
    name: "ProxyIndex",
    methods: ["GET"],
    path: "/proxies",
    async handler({ proxies }) {
      return json(
        `{${proxies
          .all()
          .map((p) => `${goString(p.name)}:${proxyJson(p)}`)
          .join(",")}}`,
      );
    },
  },
  {
    name: "ProxyCreate",
    methods: ["POST"],
    path: "/proxies",
    async handler({ proxies, body }) {
      const config = decodeProxyConfig(
        decodeJson(body),
        { name: "", listen: "", upstream: "", enabled: true },
        "Proxy",
      );
      if (config.name === "") throw ErrMissingField.join("name");
      if (config.upstream === "") throw ErrMissingField.join("upstream");
      return json(proxyJson(await proxies.add(config)), 201);
    },
  },
  {
    name: "Populate",
    methods: ["POST"],
    path: "/populate",
    async handler({ proxies, body }) {
      const { proxies: applied, error } = await proxies.populate(body);
      const list = applied && applied.length > 0 ? `[${applied.map(proxyJson).join(",")}]` : "null";
      if (!error) return json(`{"proxies":${list}}`, 201);
      const status = "status" in error && typeof error.status === "number" ? error.status : 500;
      return json(`{"error":${goString(error.message)},"status":${status},"proxies":${list}}`, status);
    },
  },
  {
    name: "ProxyShow",
    methods: ["GET"],
    path: "/proxies/{proxy}",
    async handler({ proxies, params }) {
      return json(proxyJson(proxies.get(params.proxy!)));
    },
  },
  {
    name: "ProxyUpdate",
    methods: ["POST", "PATCH"],
    path: "/proxies/{proxy}",
    async handler({ proxies, params, body }) {
      const proxy = proxies.get(params.proxy!);
      const input = decodeProxyConfig(decodeJson(body), proxy.config(), "Proxy");
      await proxy.update(input);
      return json(proxyJson(proxy));
    },
  },
  {
    name: "ProxyDelete",
    methods: ["DELETE"],
    path: "/proxies/{proxy}",
    async handler({ proxies, params }) {
      await proxies.remove(params.proxy!);
      return noContent;
    },
  },
  {
    name: "ToxicIndex",
    methods: ["GET"],
    path: "/proxies/{proxy}/toxics",
    async handler({ proxies, params }) {
      return json(`[${proxies.get(params.proxy!).toxics.list().map(toxicJson).join(",")}]`);
    },
  },
  {
    name: "ToxicCreate",
    methods: ["POST"],
    path: "/proxies/{proxy}/toxics",
    async handler({ proxies, params, body }) {
      // 200, not 201: upstream never sets a status here.
      return json(toxicJson(await proxies.get(params.proxy!).toxics.addJson(body)));
    },
  },
  {
    name: "ToxicShow",
    methods: ["GET"],
    path: "/proxies/{proxy}/toxics/{toxic}",
    async handler({ proxies, params }) {
      const toxic = proxies.get(params.proxy!).toxics.find(params.toxic!);
      if (!toxic) throw ErrToxicNotFound;
      return json(toxicJson(toxic));
    },
  },
  {
    name: "ToxicUpdate",
    methods: ["POST", "PATCH"],
    path: "/proxies/{proxy}/toxics/{toxic}",
    async handler({ proxies, params, body }) {
      return json(toxicJson(await proxies.get(params.proxy!).toxics.updateJson(params.toxic!, body)));
    },
  },
  {
    name: "ToxicDelete",
    methods: ["DELETE"],
    path: "/proxies/{proxy}/toxics/{toxic}",
    async handler({ proxies, params }) {
      await proxies.get(params.proxy!).toxics.remove(params.toxic!);
      return noContent;
    },
  },
  {
    name: "Version",
    methods: ["GET"],
    path: "/version",
    async handler() {
      return {
        status: 200,
        body: `{"version": "${TOXIPROXY_VERSION}"}\n`,
        contentType: "application/json;charset=utf-8",
      };
    },
  },
];

export interface MatchedRoutes {
  /** Routes whose path matched, whatever the method. */
  readonly candidates: ReadonlyArray<{ route: Route; params: Record<string, string> }>;
}

const compiled = [...routes, ...extensionRoutes].map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { route, names, pattern: new RegExp(`^${source}$`) };
});

export function matchRoutes(path: string): MatchedRoutes {
  const candidates: Array<{ route: Route; params: Record<string, string> }> = [];
  for (const { route, names, pattern } of compiled) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = match[i + 1]!;
    });
    candidates.push({ route, params });
  }
  return { candidates };
}
