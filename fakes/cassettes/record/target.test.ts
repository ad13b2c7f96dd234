import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { reservePort } from "../../../lib/net.ts";
import { checkTarget, parseTarget } from "./target.ts";

/** Listens on loopback; disposing closes it and every connection it still holds. */
async function serve(server: Server | HttpServer): Promise<{ where: string } & AsyncDisposable> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    where: `127.0.0.1:${(server.address() as { port: number }).port}`,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("the recorder's target check", () => {
  it("accepts anything that answers HTTP, whatever its status", async () => {
    await using server = await serve(createHttpServer((_req, res) => res.writeHead(404).end()));
    await expect(checkTarget(parseTarget(`http://${server.where}/v1`), 1_000)).resolves.toBeUndefined();
  });

  it("unreachable: nothing listens", async () => {
    const port = await reservePort();
    await expect(checkTarget(parseTarget(`http://127.0.0.1:${port}`), 1_000)).rejects.toMatchObject({
      code: "RECORD_TARGET_UNREACHABLE",
      why: `ECONNREFUSED: nothing listens on 127.0.0.1:${port}`,
    });
  });

  it("not HTTP: a service that greets in its own protocol", async () => {
    await using server = await serve(createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n")));
    await expect(checkTarget(parseTarget(`http://${server.where}`), 1_000)).rejects.toMatchObject({
      code: "RECORD_TARGET_NOT_HTTP",
      why: expect.stringContaining('its answer is not an HTTP response (it sent "SSH-2.0-OpenSSH_9.6'),
    });
  });

  it("not HTTP: a socket that accepts and never answers, and a plain port asked for TLS", async () => {
    await using silent = await serve(createServer(() => {}));
    await expect(checkTarget(parseTarget(`http://${silent.where}`), 200)).rejects.toMatchObject({
      code: "RECORD_TARGET_NOT_HTTP",
      why: "it accepted the connection but sent no HTTP response within 200 ms",
    });
    await using plain = await serve(createHttpServer((_req, res) => res.end("ok")));
    await expect(checkTarget(parseTarget(`https://${plain.where}`), 1_000)).rejects.toMatchObject({
      code: "RECORD_TARGET_NOT_HTTP",
      fix: expect.stringContaining("for a plain-HTTP port use http://"),
    });
  });

  it("a target that is not an http(s) URL", () => {
    expect(() => parseTarget("api.openai.com")).toThrow(
      expect.objectContaining({ code: "RECORD_BAD_TARGET", why: "it is not a URL" }),
    );
    expect(() => parseTarget("ws://127.0.0.1:1")).toThrow(
      expect.objectContaining({ code: "RECORD_BAD_TARGET" }),
    );
  });
});
