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

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
