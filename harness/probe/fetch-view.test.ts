import { describe, expect, it } from "vitest";
import { describeError, replayThroughFetch } from "./fetch-view.ts";
import type { ProbeEndKind, ProbeRead } from "./observation.ts";

const reads = (...pieces: string[]): ProbeRead[] =>
  pieces.map((p, i) => ({ t: i, bytes: Buffer.from(p, "latin1") }));
const end = (kind: ProbeEndKind) => ({ kind, t: 0 });
const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap" || r === "TCPSocketWrap")
    .length;
}

describe("replayThroughFetch", () => {
  it("completes a clean chunked body and leaves no server or socket behind", async () => {
    const before = tcpHandles();
    const view = await replayThroughFetch({
      method: "POST",
      reads: reads(HEAD, "5\r\nhello\r\n", "0\r\n\r\n"),
      end: end("clean"),
      closedBy: "peer-fin",
    });
    expect(view).toEqual({ outcome: "complete", status: 200, bodyBytes: 5 });
    // libuv drops a closed handle from the list a loop turn or two after its 'close' event.
    for (let i = 0; i < 50 && tcpHandles() > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(tcpHandles()).toBe(before);
  });

  it("says terminated for a FIN mid-body, fetch-failed when no header came, aborted for our own hang-up", async () => {
    const cut = await replayThroughFetch({
      method: "GET",
      reads: reads(HEAD, "5\r\nhello\r\n"),
      end: end("fin-mid-body"),
    });
    expect(cut).toMatchObject({
      outcome: "terminated",
      status: 200,
      bodyBytes: 5,
      errorCode: "UND_ERR_SOCKET",
    });
    const noHead = await replayThroughFetch({ method: "GET", reads: [], end: end("fin-mid-body") });
    expect(noHead).toMatchObject({
      outcome: "fetch-failed",
      error: "TypeError: fetch failed (cause: SocketError: other side closed)",
    });
    const ours = await replayThroughFetch({
      method: "GET",
      reads: reads(HEAD, "5\r\nhello\r\n"),
      end: end("timeout"),
    });
    expect(ours).toMatchObject({ outcome: "aborted", status: 200, bodyBytes: 5 });
    expect(ours.error).toMatch(/^AbortError/);
  });

  it("sends the RST only after the client has read every byte, so the bytes before it count", async () => {
    const body = "x".repeat(200_000);
    const view = await replayThroughFetch({
      method: "GET",
      reads: reads(HEAD, `${body.length.toString(16)}\r\n${body}\r\n`),
      end: end("rst"),
      closedBy: "peer-rst",
    });
    expect(view.outcome).toBe("terminated");
    expect(view.bodyBytes).toBe(body.length);
    expect(view.errorCode).toBe("ECONNRESET");
  });

  it("reports a malformed chunk size the way undici's parser does", async () => {
    const view = await replayThroughFetch({
      method: "GET",
      reads: reads(HEAD, "zz\r\nhello\r\n"),
      end: end("fin-mid-body"),
    });
    expect(view.outcome).toBe("terminated");
    expect(view.error).toContain("HTTPParserError");
  });
});

describe("describeError", () => {
  it("walks the cause chain and keeps the first code", () => {
    const inner = Object.assign(new Error("other side closed"), {
      name: "SocketError",
      code: "UND_ERR_SOCKET",
    });
    const outer = new TypeError("terminated", { cause: inner });
    expect(describeError(outer)).toEqual({
      error: "TypeError: terminated (cause: SocketError: other side closed)",
      errorCode: "UND_ERR_SOCKET",
    });
    expect(describeError("plain")).toEqual({ error: "plain" });
  });
});
