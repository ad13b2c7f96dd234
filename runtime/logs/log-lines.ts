import type { Readable } from "node:stream";
import { now } from "../../lib/clock.ts";

/** `file`: a line read from a log file the process writes (see FileTail). */
export type LogStream = "stdout" | "stderr" | "file";

/** One line a process wrote, stamped when it was read (lib/clock.ts time base). */
export interface LogLine {
  t: number;
  stream: LogStream;
  line: string;
}

export type LogListener = (line: LogLine) => void;

/** Read access to a live line log: what readiness strategies and error messages need. */
export interface LogSource {
  logs(): readonly LogLine[];
  logsSince(t: number): LogLine[];
  tail(n: number): LogLine[];
  /** Calls `listener` for every new line; returns the unsubscribe function. */
  onLine(listener: LogListener): () => void;
}

/**
 * Collects lines from a child's pipes. Lines are kept up to `maxLines` (oldest dropped) so a chatty
 * backend in a long run cannot grow memory without bound; a partial last line is flushed on end.
 */
export class LineLog implements LogSource {
  readonly #lines: LogLine[] = [];
  readonly #listeners = new Set<LogListener>();
  readonly #maxLines: number;

  constructor(maxLines = 50_000) {
    this.#maxLines = maxLines;
  }

  attach(stream: Readable, name: LogStream): Promise<void> {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        this.push(name, pending.slice(0, newline).replace(/\r$/, ""));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    });
    return new Promise((resolve) => {
      const finish = () => {
        if (pending.length > 0) this.push(name, pending);
        pending = "";
        resolve();
      };
      stream.once("end", finish);
      stream.once("close", finish);
      stream.once("error", finish);
    });
  }

  push(stream: LogStream, line: string, t = now()): void {
    const entry = { t, stream, line };
    this.#lines.push(entry);
    if (this.#lines.length > this.#maxLines) this.#lines.splice(0, this.#lines.length - this.#maxLines);
    for (const listener of this.#listeners) listener(entry);
  }

  logs(): readonly LogLine[] {
    return this.#lines;
  }

  logsSince(t: number): LogLine[] {
    return this.#lines.filter((l) => l.t >= t);
  }

  tail(n: number): LogLine[] {
    return n <= 0 ? [] : this.#lines.slice(-n);
  }

  onLine(listener: LogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** `[stderr] message` lines for error details. */
export function formatLogTail(lines: readonly LogLine[]): string[] {
  return lines.length === 0 ? ["(no output)"] : lines.map((l) => `[${l.stream}] ${l.line}`);
}
