import { createServer } from "node:net";
import { UserError } from "./errors.ts";
import { listeningHolder } from "./proc.ts";

/** Every listener binds loopback unless the docker runtime asks otherwise. */
export const LOOPBACK = "127.0.0.1";

/**
 * A port the OS just handed out and released. Used only where a child process must be told its port
 * up front (nginx, caddy, uvicorn); in-process servers listen on port 0 directly.
 */
export async function reservePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the reserved port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: a listener there is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/.test(bare);
}

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface PortInUseInfo {
  /** Who could not bind, e.g. `Cannot start nginx (default)`; the address and "is already in use" follow. */
  subject: string;
  host: string;
  port: number;
  /** The other way out besides freeing the port (default: pick another, 0 for any free one). */
  instead?: string;
  /** Default PORT_IN_USE. */
  code?: string;
  cause?: unknown;
}

const PICK_ANOTHER = "pick another port (0 lets the system choose a free one)";

/**
 * A taken port as the person running streamchaos needs to hear it: which port, who holds it when
 * /proc can tell (it usually can for their own processes), and the two ways out.
 */
export function portInUseError(info: PortInUseInfo): UserError {
  const where = hostPort(info.host, info.port);
  const holder = listeningHolder(info.port);
  const instead = info.instead ?? PICK_ANOTHER;
  return new UserError(info.code ?? "PORT_IN_USE", {
    what: `${info.subject}: ${where} is already in use`,
    why: holder
      ? `held by pid ${holder.pid}${holder.command ? ` (${holder.command})` : ""}`
      : "another socket is bound to it (/proc names no process listening there)",
    fix: holder ? `Free it (stop pid ${holder.pid}), or ${instead}.` : `Free it, or ${instead}.`,
    ...(info.cause === undefined ? {} : { cause: info.cause }),
  });
}

/** Throws portInUseError when `host:port` cannot be bound right now (it is checked, then released). */
export function checkPortFree(info: PortInUseInfo): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") return reject(portInUseError({ ...info, cause: error }));
      reject(
        new UserError("PORT_UNAVAILABLE", {
          what: `${info.subject}: ${hostPort(info.host, info.port)} cannot be bound`,
          why: `${error.code ?? "error"}: ${error.message}`,
          fix: `Check the host, or ${info.instead ?? PICK_ANOTHER}.`,
          cause: error,
        }),
      );
    });
    server.listen(info.port, info.host, () => server.close(() => resolve()));
  });
}
