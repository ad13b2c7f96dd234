import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LineLog } from "./log-lines.ts";

/**
 * Follows a file a child process appends to (nginx's access log: nginx cannot open /dev/stdout when
 * its stdout is the socketpair Node gives children, it fails with ENXIO). Lines are stamped when read;
 * `poll()` catches up synchronously so a reader never misses what was written before it asked.
 */
export class FileTail implements AsyncDisposable {
  readonly log = new LineLog();
  readonly #path: string;
  readonly #timer: NodeJS.Timeout;
  #fd: number | undefined;
  #offset = 0;
  #pending = "";

  constructor(path: string, intervalMs = 50) {
    this.#path = path;
    this.#timer = setInterval(() => this.poll(), intervalMs);
    this.#timer.unref();
  }

  poll(): void {
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.#path, "r");
      } catch {
        return; // not created yet
      }
    }
    const size = fstatSync(this.#fd).size;
    if (size < this.#offset) this.#offset = 0; // truncated or rotated in place
    while (this.#offset < size) {
      const buffer = Buffer.alloc(Math.min(size - this.#offset, 1 << 16));
      const n = readSync(this.#fd, buffer, 0, buffer.length, this.#offset);
      if (n <= 0) break;
      this.#offset += n;
      this.#pending += buffer.subarray(0, n).toString("utf8");
    }
    let newline = this.#pending.indexOf("\n");
    while (newline !== -1) {
      this.log.push("file", this.#pending.slice(0, newline).replace(/\r$/, ""));
      this.#pending = this.#pending.slice(newline + 1);
      newline = this.#pending.indexOf("\n");
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#timer);
    this.poll();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
