import { PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import { now } from "../../lib/clock.ts";
import { LineLog, type LogStream } from "../logs/log-lines.ts";

/**
 * Follows a container's stdout and stderr into a LineLog, each line stamped with the time the engine
 * received it (docker's `timestamps`, nanosecond RFC 3339) converted to lib/clock.ts epoch ms. The
 * engine's stamp, not our read time: a line read late (the follow stream attaches after start) still
 * lands where it belongs on the timeline.
 */
export class ContainerLogs implements AsyncDisposable {
  readonly log = new LineLog();
  #stream: NodeJS.ReadableStream | undefined;
  #done: Promise<void> = Promise.resolve();

  static async follow(container: Dockerode.Container): Promise<ContainerLogs> {
    const logs = new ContainerLogs();
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
    })) as unknown as NodeJS.ReadableStream;
    logs.#stream = stream;
    // Following a box's output must not keep a process alive that forgot to dispose the box.
    (stream as { socket?: { unref?: () => void } }).socket?.unref?.();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    container.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", () => resolve());
    });
    const readers = [logs.#read(stdout, "stdout"), logs.#read(stderr, "stderr")];
    logs.#done = ended.then(() => {
      stdout.end();
      stderr.end();
      return Promise.all(readers).then(() => {});
    });
    return logs;
  }

  #read(stream: PassThrough, name: LogStream): Promise<void> {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
        this.#push(name, pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    return new Promise((resolve) =>
      stream.once("end", () => {
        if (pending.length > 0) this.#push(name, pending);
        resolve();
      }),
    );
  }

  #push(name: LogStream, raw: string): void {
    const { t, line } = parseTimestampedLine(raw.replace(/\r$/, ""));
    this.log.push(name, line, t);
  }

  /** Waits (briefly) for the lines the engine still has in flight, then detaches. */
  async [Symbol.asyncDispose](): Promise<void> {
    const stream = this.#stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    await Promise.race([this.#done, new Promise((resolve) => setTimeout(resolve, 200).unref())]);
    stream?.destroy?.();
  }
}

const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z (.*)$/s;

/** `2026-11-21T05:10:40.123456789Z text` → epoch ms with sub-ms precision and the text. */
export function parseTimestampedLine(raw: string): { t: number; line: string } {
  const match = STAMPED.exec(raw);
  if (!match) return { t: now(), line: raw };
  const seconds = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(seconds)) return { t: now(), line: raw };
  const fraction = match[2] ? Number(`0${match[2]}`) : 0;
  // now() runs on the monotonic clock anchored at process start; docker stamps with the wall clock.
  // Shift by their current difference so both land on one time base.
  const wallToClock = now() - Date.now();
  return { t: seconds + fraction * 1000 + wallToClock, line: match[3]! };
}
