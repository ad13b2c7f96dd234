/**
 * Incident 000's frontend: a Node server that relays `/api/proxy/<path>` to the backend with undici
 * `fetch`, as the incident's Next.js route handler did. MODE=naive is that handler; MODE=fixed
 * (default) checks the backend's status first, waits for its first chunk, and turns a cut into the
 * app's error marker and a clean end. Run:
 *   PORT=3000 BACKEND_URL=http://127.0.0.1:8081 MODE=naive npx tsx examples/incident-000/frontend/server.ts
 */
import { ConfigError, type FrontendConfig, loadConfig } from "./config.ts";
import { log } from "./log.ts";
import { createFrontend } from "./next-host.ts";

function main(): void {
  let config: FrontendConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`incident-000 frontend: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const server = createFrontend(config);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.port;
    log("INFO", `listening on http://${config.host}:${port}`, {
      mode: config.mode,
      backend: config.backendUrl,
    });
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main();
