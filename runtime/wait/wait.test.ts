import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { LOOPBACK, reservePort } from "../../lib/net.ts";
import { caught } from "../../lib/testing.ts";
import { LineLog } from "../logs/log-lines.ts";
import { Wait } from "./wait.ts";
import type { ReadinessContext } from "./wait-strategy.ts";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function context(log = new LineLog(), signal = new AbortController().signal): ReadinessContext {
  return { signal, logs: log };
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("Wait.forHttp", () => {
  it("waits through non-matching statuses until the expected one", async () => {
    let calls = 0;
    const port = await listen(
      createServer((req, res) => {
        calls++;
        res.statusCode = req.url === "/health" && calls >= 3 ? 204 : 503;
        res.end();
      }),
    );
    await Wait.forHttp(`http://${LOOPBACK}:${port}`, { path: "/health", status: [200, 204] })
      .withTimeout(5_000)
      .waitUntilReady(context());
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it("times out with the URL, the status and the number in the message", async () => {
    const port = await listen(createServer((_req, res) => res.writeHead(503).end()));
    const error = await caught(
      Wait.forHttp(`http://${LOOPBACK}:${port}/health`).withTimeout(400).waitUntilReady(context()),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("READINESS_TIMEOUT");
    expect(error.message).toContain(`GET http://${LOOPBACK}:${port}/health did not answer 200 after 400ms`);
    expect(error.message).toContain("last: status 503");
  });

  it("reports a refused connection as the last problem", async () => {
    const port = await reservePort();
    const error = await caught(
      Wait.forHttp(`http://${LOOPBACK}:${port}/`).withTimeout(300).waitUntilReady(context()),
    );
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("rejects a URL that is not http", () => {
    expect(() => Wait.forHttp("ftp://x/")).toThrow(/not http/);
    expect(() => Wait.forHttp("not a url")).toThrow(/Invalid readiness URL/);
  });

  it("rejects a nonsensical timeout", () => {
    expect(() => Wait.forHttp("http://127.0.0.1:1/").withTimeout(0)).toThrow(/Invalid readiness timeout 0/);
    expect(() => Wait.forPort(LOOPBACK, 1).withTimeout(Number.NaN)).toThrow(UserError);
  });
});

describe("Wait.forPort", () => {
  it("becomes ready once something listens", async () => {
    const port = await reservePort();
    const tcp = createTcpServer((s) => s.destroy());
    const waiting = Wait.forPort(LOOPBACK, port).withTimeout(5_000).waitUntilReady(context());
    setTimeout(() => tcp.listen(port, LOOPBACK), 150);
    await waiting;
    await new Promise((r) => tcp.close(r));
  });

  it("times out naming the address", async () => {
    const port = await reservePort();
    const error = await caught(Wait.forPort(LOOPBACK, port).withTimeout(300).waitUntilReady(context()));
    expect(error.message).toContain(`${LOOPBACK}:${port} did not accept a TCP connection after 300ms`);
  });
});

describe("Wait.forLogLine", () => {
  it("counts lines already there and lines still to come", async () => {
    const log = new LineLog();
    log.push("stdout", "worker 1 ready");
    const waiting = Wait.forLogLine(/ready/, 2).withTimeout(5_000).waitUntilReady(context(log));
    setTimeout(() => log.push("stderr", "worker 2 ready"), 50);
    await waiting;
  });

  it("treats a string as a literal", async () => {
    const log = new LineLog();
    log.push("stdout", "listening on (x)");
    await Wait.forLogLine("(x)").withTimeout(1_000).waitUntilReady(context(log));
  });

  it("times out with the pattern and the number", async () => {
    const log = new LineLog();
    log.push("stdout", "starting");
    const error = await caught(
      Wait.forLogLine(/Uvicorn running/)
        .withTimeout(200)
        .waitUntilReady(context(log)),
    );
    expect(error.message).toContain("log line matching /Uvicorn running/ not seen after 200ms");
  });

  it("stops waiting with the abort reason when the signal fires", async () => {
    const abort = new AbortController();
    const waiting = Wait.forLogLine(/never/)
      .withTimeout(10_000)
      .waitUntilReady(context(new LineLog(), abort.signal));
    const reason = new Error("process exited");
    setTimeout(() => abort.abort(reason), 50);
    await expect(waiting).rejects.toBe(reason);
  });
});

describe("Wait.forAll", () => {
  it("is ready when every strategy is", async () => {
    const log = new LineLog();
    const port = await listen(createServer((_req, res) => res.end("ok")));
    const waiting = Wait.forAll([Wait.forLogLine(/up/), Wait.forHttp(`http://${LOOPBACK}:${port}/`)])
      .withTimeout(5_000)
      .waitUntilReady(context(log));
    setTimeout(() => log.push("stdout", "up"), 50);
    await waiting;
  });

  it("names what was still missing when its deadline passes", async () => {
    const log = new LineLog();
    log.push("stdout", "up");
    const port = await reservePort();
    const error = await caught(
      Wait.forAll([Wait.forLogLine(/up/), Wait.forPort(LOOPBACK, port)])
        .withTimeout(300)
        .waitUntilReady(context(log)),
    );
    expect(error.code).toBe("READINESS_TIMEOUT");
    expect(error.message).toContain(
      `still waiting for [TCP ${LOOPBACK}:${port} accepting connections] after 300ms`,
    );
  });

  it("lets a child keep its own shorter timeout", async () => {
    const error = await caught(
      Wait.forAll([Wait.forLogLine(/never/).withTimeout(100)])
        .withTimeout(10_000)
        .waitUntilReady(context()),
    );
    expect(error.message).toContain("not seen after 100ms");
  });

  it("does not change a child's own timeout when it passes its deadline down", async () => {
    const child = Wait.forLogLine(/never/);
    await caught(Wait.forAll([child]).withTimeout(100).waitUntilReady(context()));
    expect(child.hasExplicitTimeout).toBe(false);
    expect(child.timeoutMs).toBe(30_000);
  });

  it("rejects an empty list", () => {
    expect(() => Wait.forAll([])).toThrow(/no strategies/);
  });
});
