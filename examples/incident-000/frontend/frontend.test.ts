import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Server, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { rawRequest } from "../../test-support/raw-client.ts";
import { ScriptedUpstream, sleep, write } from "../../test-support/upstream.ts";
import { createFrontend } from "./next-host.ts";

/** The backend's text/plain stream (examples/fastapi-backend), scripted. */
const textHead = (res: ServerResponse) => {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  res.flushHeaders();
};
const clean = async (res: ServerResponse) => {
  textHead(res);
  await write(res, "Hel");
  await sleep(30);
  res.end("lo");
};
/** Incident 000 issue 1: the 200 went out, then the generator failed before its first chunk. */
const cutBeforeFirstChunk = async (res: ServerResponse) => {
  textHead(res);
  await sleep(30);
  res.socket?.destroy();
};
/** Issue 2: uvicorn closes mid-stream without the terminating chunk. */
const cutMidStream = async (res: ServerResponse) => {
  textHead(res);
  await write(res, "partial");
  await sleep(30);
  res.socket?.destroy();
};
const backendError = (res: ServerResponse) => {
  res.writeHead(502, { "content-type": "application/json" }).end('{"detail":"provider said 401"}');
};

const ask = { path: "/api/proxy/chatbot/chat", body: { message: "hi" } };

let backend: ScriptedUpstream;
beforeAll(async () => {
  backend = await ScriptedUpstream.start();
});
afterAll(async () => {
  await backend?.[Symbol.asyncDispose]();
});

async function frontend(
  mode: "naive" | "fixed",
  backendUrl = backend.origin,
): Promise<Server & AsyncDisposable> {
  const server = createFrontend({ port: 0, host: "127.0.0.1", backendUrl, mode });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return Object.assign(server, {
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
const portOf = (server: Server) => (server.address() as { port: number }).port;

/** What the frontend wrote to stderr during the test. */
function stderr(): () => string {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () => lines.join("");
}
afterEach(() => {
  vi.restoreAllMocks();
});

describe("incident 000's frontend, MODE=naive (the Next.js route handler as it was)", () => {
  it("relays a whole stream", async () => {
    backend.reset(clean);
    await using server = await frontend("naive");
    const res = await rawRequest(portOf(server), ask);
    expect(res).toMatchObject({ status: 200, body: "Hello", complete: true });
    expect(backend.calls[0]!.url).toBe("/chatbot/chat");
    expect(backend.calls[0]!.json).toEqual({ message: "hi" });
  });

  it("issue 1: the backend's 200 then a close becomes a dropped connection, no status line, and the incident's log", async () => {
    const logged = stderr();
    backend.reset(cutBeforeFirstChunk);
    await using server = await frontend("naive");
    const res = await rawRequest(portOf(server), ask);
    expect(res.status).toBe(0);
    expect(res.raw.length).toBe(0);
    expect(["fin", "reset"]).toContain(res.end);
    expect(logged()).toContain("Error: failed to pipe response");
    expect(logged()).toContain("TypeError: terminated");
    expect(logged()).toContain("SocketError: other side closed");
  });

  it("issue 2: a cut mid-stream reaches the client as a chunked body with no terminator", async () => {
    const logged = stderr();
    backend.reset(cutMidStream);
    await using server = await frontend("naive");
    const res = await rawRequest(portOf(server), ask);
    expect(res).toMatchObject({ status: 200, body: "partial", complete: false });
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(logged()).toContain("failed to pipe response");
    expect(logged()).toMatch(/bytesRead: \d+/);
  });

  it("passes an error status through, and answers 500 when the backend is unreachable", async () => {
    backend.reset(backendError);
    await using server = await frontend("naive");
    const res = await rawRequest(portOf(server), ask);
    expect(res).toMatchObject({ status: 502, body: '{"detail":"provider said 401"}' });
    stderr();
    await using orphan = await frontend("naive", "http://127.0.0.1:1");
    expect((await rawRequest(portOf(orphan), ask)).status).toBe(500);
  });
});

describe("incident 000's frontend, MODE=fixed", () => {
  it("relays a whole stream with anti-buffering headers", async () => {
    backend.reset(clean);
    await using server = await frontend("fixed");
    const res = await rawRequest(portOf(server), ask);
    expect(res).toMatchObject({ status: 200, body: "Hello", complete: true });
    expect(res.headers["x-accel-buffering"]).toBe("no");
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it("issue 1: no first chunk, no 200: a 502 with a JSON detail", async () => {
    const logged = stderr();
    backend.reset(cutBeforeFirstChunk);
    await using server = await frontend("fixed");
    const res = await rawRequest(portOf(server), ask);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).detail).toBe(
      "backend failed before its first chunk: TypeError: terminated <- SocketError: other side closed",
    );
    expect(logged()).toMatch(/ERROR backend failed before its first chunk/);
  });

  it("issue 2: a cut mid-stream becomes the marker and a clean end", async () => {
    stderr();
    backend.reset(cutMidStream);
    await using server = await frontend("fixed");
    const res = await rawRequest(portOf(server), ask);
    expect(res).toMatchObject({ status: 200, complete: true });
    expect(res.body).toBe(
      "partial\n\n<!--STREAM_ERROR:TypeError: terminated <- SocketError: other side closed-->",
    );
  });

  it("passes an error status through as it came, and a dead backend is a 502", async () => {
    backend.reset(backendError);
    await using server = await frontend("fixed");
    expect(await rawRequest(portOf(server), ask)).toMatchObject({
      status: 502,
      body: '{"detail":"provider said 401"}',
    });
    stderr();
    await using orphan = await frontend("fixed", "http://127.0.0.1:1");
    const res = await rawRequest(portOf(orphan), ask);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).detail).toMatch(/^backend unreachable: TypeError: fetch failed/);
  });

  it("a client that leaves cancels the backend call", async () => {
    backend.reset(async (res) => {
      textHead(res);
      for (let i = 0; i < 50 && !res.destroyed; i++) {
        await write(res, `token ${i} `);
        await sleep(40);
      }
      res.end();
    });
    await using server = await frontend("fixed");
    await rawRequest(portOf(server), { ...ask, disconnectWhen: (body) => body.includes("token 2") });
    await expect(backend.calls[0]!.closedEarly).resolves.toBeTypeOf("number");
  });
});

describe("incident 000's frontend as a process", () => {
  const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
  const run = async (env: Record<string, string>) => {
    const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const listening = new Promise<void>((resolve) =>
      child.stdout.on("data", () => output.includes("listening on") && resolve()),
    );
    const exited = once(child, "close").then(([code]) => code as number);
    const first = await Promise.race([exited, listening.then(() => "listening" as const)]);
    if (first === "listening") child.kill("SIGTERM");
    return { first, output };
  };

  it("starts on PORT=0 and says where it listens", async () => {
    const { first, output } = await run({ PORT: "0", BACKEND_URL: backend.origin, MODE: "naive" });
    expect(first).toBe("listening");
    expect(output).toMatch(/INFO listening on http:\/\/127\.0\.0\.1:\d+ mode="naive"/);
  });

  it.each([
    [{ PORT: "0", BACKEND_URL: "http://127.0.0.1:1", MODE: "test" }, 'MODE=test must be "naive" or "fixed"'],
    [{ PORT: "0" }, "BACKEND_URL= must be the backend's http:// origin"],
    [{ BACKEND_URL: "http://127.0.0.1:1" }, "PORT= must be a port number"],
  ])("%j exits 2 with one line", async (env, message) => {
    const { first, output } = await run(env);
    expect(first).toBe(2);
    expect(output).toContain(`incident-000 frontend: ${message}`);
  });
});
