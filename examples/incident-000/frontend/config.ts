/** The frontend's environment: what to relay to, how (naive or fixed), where to listen. */
export interface FrontendConfig {
  port: number;
  host: string;
  /** The backend's origin, e.g. `http://127.0.0.1:8081`: `/api/proxy/<path>` goes to `<origin>/<path>`. */
  backendUrl: string;
  mode: "naive" | "fixed";
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): FrontendConfig {
  const mode = env.MODE ?? "fixed";
  if (mode !== "naive" && mode !== "fixed") throw new ConfigError(`MODE=${mode} must be "naive" or "fixed"`);
  const portText = env.PORT;
  if (portText === undefined || !/^\d+$/.test(portText) || Number(portText) > 65535)
    throw new ConfigError(`PORT=${portText ?? ""} must be a port number (0 for any free one)`);
  const backendUrl = (env.BACKEND_URL ?? "").replace(/\/+$/, "");
  try {
    const url = new URL(backendUrl);
    if (url.protocol !== "http:") throw new Error("not http");
  } catch {
    throw new ConfigError(`BACKEND_URL=${env.BACKEND_URL ?? ""} must be the backend's http:// origin`);
  }
  return { port: Number(portText), host: env.HOST ?? "127.0.0.1", backendUrl, mode };
}
