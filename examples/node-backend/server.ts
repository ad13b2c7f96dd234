/**
 * The Node reference backend: an LLM streaming relay with three client contracts over one core,
 * hardened against every incident in /work/shared/incidents, with a switch per incident bug
 * (`BUGS=…`, see bugs.ts) to prove the harness catches it. Run:
 *   PORT=8080 PROVIDER_BASE_URL=http://127.0.0.1:4010/v1 npx tsx examples/node-backend/server.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { BadRequest } from "./downstream/contract.ts";
import { routes } from "./downstream/registry.ts";
import { log } from "./log.ts";
import { relay } from "./relay.ts";
import { SessionChannels, SessionRegistry } from "./sessions.ts";
import { providers } from "./upstream/registry.ts";

const MAX_BODY_BYTES = 1024 * 1024;

export function startServer(config: Config) {
  const context = {
    config,
    adapter: providers[config.provider],
    sessions: new SessionRegistry(),
    channels: new SessionChannels(),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Last line of defence: whatever escaped, the client still gets a well-formed answer.
      log("ERROR", "request handler failed", {
        cause: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: "internal error", type: "server_error" } });
      else if (!res.writableEnded) res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/health" && req.method === "GET") return sendJson(res, 200, { ok: true });
    const contract = routes[path];
    if (contract === undefined) {
      return sendJson(res, 404, { error: { message: `no route ${path}`, type: "invalid_request_error" } });
    }
    if (req.method !== "POST") {
      return sendJson(res, 405, { error: { message: `${path} takes POST`, type: "invalid_request_error" } });
    }
    let parsed: ReturnType<typeof contract.parseRequest>;
    try {
      parsed = contract.parseRequest(JSON.parse(await readBody(req)));
    } catch (error) {
      if (error instanceof BadRequest || error instanceof SyntaxError) {
        return sendJson(res, 400, {
          error: { message: error.message, type: "invalid_request_error", code: "bad_request" },
        });
      }
      throw error;
    }
    await relay(res, contract, parsed, context);
  }

  return server;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest(`request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function main(): void {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`node-backend: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const server = startServer(config);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    log("INFO", `listening on http://${host}:${port}`, { provider: config.provider });
    // Bug names like `accounting-failure` would read as failures to a log check, so they are
    // listed only as a count here; the operator set them and knows which.
    if (config.bugs.size > 0) log("INFO", `bug switches on: ${config.bugs.size}`);
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
