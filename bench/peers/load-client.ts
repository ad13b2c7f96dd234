/**
 * The load generator of `npm run bench:peers`, in a process of its own (forked by
 * bench/peers.bench.ts) so its CPU is never counted as a server's. It speaks raw HTTP/1.1 over
 * node:net: a request per connection, the response read into one shared buffer, content events
 * counted by their `"content":"abcd"` bytes and stamped with the time of the read that brought
 * them. Nothing per event is kept but one number, so 1,000 open streams cost it little.
 *
 * Messages from the parent: a `LoadOrder`; answers: `{ kind: "all-first" }` once every stream of
 * a herd has its first content event, then `{ kind: "done", result }`.
 */
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";

export interface LoadOrder {
  port: number;
  /** Streams opened at once. */
  streams: number;
  /** Content events each stream must carry. */
  chunks: number;
  /** The schedule: content event i is due at request sent + (i + 1) * intervalMs (0: unpaced). */
  intervalMs: number;
}

export interface LoadResult {
  /** Every content event's arrival minus its due time, ms, sorted (paced orders only). */
  lateness: number[];
  /** Request sent -> first content event, ms, sorted. */
  firstContent: number[];
  /** Request sent -> last byte, ms, per stream, sorted. */
  wholeStream: number[];
  /** Content events seen over all streams. */
  events: number;
  /** Streams that ended short of `chunks` events, or with an error; their first reason. */
  failed: number;
  failure?: string;
}

const PATTERN = Buffer.from('"content":"abcd"', "latin1");
const CARRY = PATTERN.length - 1;
const END = "\r\n0\r\n\r\n";
const BODY = JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "go" }] });
const REQUEST =
  "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;
/** Every socket reads into this one buffer; each read is handled before the next can land. */
const shared = Buffer.alloc(256 * 1024);

/** One stream's state: what it saw so far, and the time its request left. */
class Reading {
  sent = 0;
  first = Number.NaN;
  last = Number.NaN;
  count = 0;
  carry = "";
  tail = "";
  ended = false;
  socket: Socket | undefined;
}

function runOrder(order: LoadOrder, onAllFirst: () => void): Promise<LoadResult> {
  const paced = order.intervalMs > 0;
  const lateness = paced ? new Float64Array(order.streams * order.chunks) : new Float64Array(0);
  let late = 0;
  let withFirst = 0;
  let finished = 0;
  let failed = 0;
  let failure: string | undefined;
  const readings: Reading[] = [];

  return new Promise((resolve) => {
    const settle = (reading: Reading, reason?: string) => {
      if (reading.ended) return;
      reading.ended = true;
      reading.socket?.destroy();
      if (reason !== undefined || reading.count !== order.chunks) {
        failed++;
        failure ??= reason ?? `a stream ended after ${reading.count} of ${order.chunks} content events`;
      }
      if (++finished < order.streams) return;
      const sorted = (values: Iterable<number>) => Float64Array.from(values).sort();
      resolve({
        lateness: Array.from(lateness.subarray(0, late).sort()),
        firstContent: Array.from(
          sorted(readings.map((r) => r.first - r.sent).filter((v) => !Number.isNaN(v))),
        ),
        wholeStream: Array.from(sorted(readings.map((r) => r.last - r.sent))),
        events: readings.reduce((sum, r) => sum + r.count, 0),
        failed,
        ...(failure === undefined ? {} : { failure }),
      });
    };

    const seen = (reading: Reading, t: number) => {
      if (reading.count === 0) {
        reading.first = t;
        if (++withFirst === order.streams) onAllFirst();
      }
      if (paced) lateness[late++] = t - (reading.sent + (reading.count + 1) * order.intervalMs);
      reading.count++;
    };

    const onRead = (reading: Reading, n: number, buffer: Buffer): boolean => {
      const t = performance.now();
      reading.last = t;
      // A pattern cut by the previous read's end: look across the seam first.
      if (reading.carry !== "") {
        const seam = reading.carry + buffer.toString("latin1", 0, Math.min(CARRY, n));
        const at = seam.indexOf('"content":"abcd"');
        if (at >= 0 && at < reading.carry.length) seen(reading, t);
      }
      const view = buffer.subarray(0, n);
      for (let at = view.indexOf(PATTERN); at >= 0; at = view.indexOf(PATTERN, at + PATTERN.length)) {
        seen(reading, t);
      }
      reading.carry = buffer.toString("latin1", Math.max(0, n - CARRY), n);
      reading.tail =
        n >= END.length
          ? buffer.toString("latin1", n - END.length, n)
          : (reading.tail + reading.carry).slice(-END.length);
      if (reading.tail === END) settle(reading);
      return true;
    };

    for (let i = 0; i < order.streams; i++) {
      const reading = new Reading();
      readings.push(reading);
      const socket = connect({
        port: order.port,
        host: "127.0.0.1",
        noDelay: true,
        onread: { buffer: shared, callback: (n, buffer) => onRead(reading, n, buffer as Buffer) },
      });
      reading.socket = socket;
      socket.once("connect", () => {
        reading.sent = performance.now();
        socket.write(REQUEST);
      });
      socket.on("error", (error) => settle(reading, String(error)));
      socket.on("end", () =>
        settle(
          reading,
          reading.count === order.chunks ? undefined : "the server closed the connection early",
        ),
      );
    }
  });
}

process.on("message", (order: LoadOrder) => {
  void runOrder(order, () => process.send?.({ kind: "all-first" })).then((result) =>
    process.send?.({ kind: "done", result }),
  );
});
process.send?.({ kind: "ready" });
