import { createServer } from "node:net";

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
