import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { Pacer } from "../fakes/pacer.ts";
import { scheduleBase } from "../fakes/pacing.ts";
import { now } from "../lib/clock.ts";

/**
 * The least a paced stream can cost on this machine: a bare node:net server that answers any
 * request with a chunked body of fixed events, each written when the fake's own Pacer says it is
 * due. No http module, codec, script, fault step or journal: what is left is the timer, the
 * await per write and the write syscall, on the same cores as the fake. Its lateness beside the
 * fake's, round for round, tells what the fake's own layers add and what the machine takes.
 */
export interface PacingFloor {
  readonly url: string;
  /** How many events each stream from now on writes. */
  events: number;
  /** Lateness (ms) of every write since the last call, sorted; clears them. */
  takeLateness(): number[];
  close(): Promise<void>;
}

const HEAD =
  "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";

/** The size of the fake's OpenAI content chunk with its obfuscation field (~300 bytes framed). */
function frame(size: number): Buffer {
  const data = `data: ${"x".repeat(size - 8)}\n\n`;
  return Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`, "latin1");
}

export async function startPacingFloor(options: {
  intervalMs: number;
  firstTokenMs: number;
}): Promise<PacingFloor> {
  const pacer = new Pacer();
  const event = frame(290);
  const end = Buffer.from("0\r\n\r\n", "latin1");
  let lateness: number[] = [];
  const sockets = new Set<Socket>();

  async function stream(socket: Socket, events: number): Promise<void> {
    socket.write(HEAD);
    // The fake's own schedule: slots on whole milliseconds, so streams share wake-ups as there.
    const start = scheduleBase(now());
    for (let k = 0; k < events; k++) {
      const due = start + options.firstTokenMs + k * options.intervalMs;
      if (!(await pacer.waitUntil(due).promise) || socket.destroyed) return;
      lateness.push(now() - due);
      socket.write(event);
    }
    socket.write(end);
  }

  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      if (!seen.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      // The body is small and already here with the head (the bench's readers send both at once).
      void stream(socket, floor.events);
    };
    socket.on("data", onData);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const floor: PacingFloor = {
    url: `http://127.0.0.1:${port}`,
    events: 1,
    takeLateness() {
      const taken = lateness.sort((a, b) => a - b);
      lateness = [];
      return taken;
    },
    async close() {
      pacer.close();
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
  return floor;
}
