import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { UserError } from "./errors.ts";
import { listeningHolder } from "./proc.ts";

/** Every listener binds loopback unless the docker runtime asks otherwise. */
export const LOOPBACK = "127.0.0.1";

/**
 * A free port, checked and released, for a child process that must be told its port up front
 * (nginx, caddy, uvicorn, a relay's provider base URL); in-process servers listen on port 0 directly.
 *
 * Why not the port the OS hands out for port 0: it comes from the kernel's ephemeral range, the
 * range every `listen(0)` and every outgoing connection on the machine draws from, so between the
 * release and the child's bind another process could be given it (CI: a vitest worker's listener
 * took a relay's provider port while the suite started its edges, "127.0.0.1:35265 is already in
 * use"). Ports just below that range are handed out by nobody but a caller that names them, so
 * on Linux they are taken from there, walking on from a random start so that one process never
 * offers the same port twice in a row. Where the range is unknown, the OS picks as before.
 */
export async function reservePort(host = LOOPBACK): Promise<number> {
  reservable ??= reservableRange(readEphemeralRange()) ?? null;
  const range = reservable;
  if (range) {
    const size = range.high - range.low + 1;
    nextReservation ??= Math.floor(Math.random() * size);
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const port = range.low + (nextReservation++ % size);
      if ((await bindError(host, port)) === undefined) return port;
    }
  }
  return portFromSystem(host);
}

/** How many ports below the ephemeral range reservePort walks through. */
const RESERVABLE_SPAN = 8192;
/** Ports tried below the ephemeral range before the OS is asked for one. */
const RESERVE_ATTEMPTS = 64;
/** Where this process's walk through the reservable ports goes on (an index into the range). */
let nextReservation: number | undefined;

/** The ports reservePort walks (reservableRange), read once; null where there are none. */
let reservable: { low: number; high: number } | null | undefined;

function readEphemeralRange(): string | null {
  try {
    return readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
  } catch {
    return null;
  }
}

/**
 * The ports reservePort takes, from Linux's ip_local_port_range ("32768\t60999"): the
 * RESERVABLE_SPAN ports below its start, none under 1024; undefined when the text is not a range
 * or leaves fewer than 256 such ports (an ephemeral range opened down to the privileged ports).
 */
export function reservableRange(text: string | null): { low: number; high: number } | undefined {
  const match = text?.trim().match(/^(\d+)\s+(\d+)$/);
  if (!match) return undefined;
  const [first, last] = [Number(match[1]), Number(match[2])];
  if (!(first <= last && last <= 65535)) return undefined;
  const high = first - 1;
  const low = Math.max(1024, first - RESERVABLE_SPAN);
  return high - low + 1 >= 256 ? { low, high } : undefined;
}

/** Why `host:port` cannot be bound right now, or undefined when it can (bound and released at once). */
function bindError(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", resolve);
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** A port the OS hands out for port 0, released. */
function portFromSystem(host: string): Promise<number> {
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
export async function checkPortFree(info: PortInUseInfo): Promise<void> {
  const error = await bindError(info.host, info.port);
  if (error === undefined) return;
  if (error.code === "EADDRINUSE") throw portInUseError({ ...info, cause: error });
  throw new UserError("PORT_UNAVAILABLE", {
    what: `${info.subject}: ${hostPort(info.host, info.port)} cannot be bound`,
    why: `${error.code ?? "error"}: ${error.message}`,
    fix: `Check the host, or ${info.instead ?? PICK_ANOTHER}.`,
    cause: error,
  });
}
