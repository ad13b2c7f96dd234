import { Duplex } from "node:stream";
import { now } from "../../../lib/clock.ts";

export interface TapHooks {
  /** Every decrypted read, before Node's HTTP/2 session sees it. */
  onRead(bytes: Buffer, t: number): void;
  /** After Node's session was handed the read (it may have emitted stream events meanwhile). */
  afterRead?(): void;
  /** Every write Node's session makes (the client preface and its frames). */
  onWrite(bytes: Buffer, t: number): void;
}

/**
 * A Duplex in front of the TLS socket that sees every decrypted byte both ways with its time, and
 * hands the same bytes on unchanged. `http2.connect({ createConnection })` accepts any Duplex (Node
 * wraps one that is not a native stream in its JSStreamSocket), so nghttp2 still does HPACK, flow
 * control and the protocol, while the probe reads the frames itself. A native TLSSocket given to
 * http2 directly would be consumed in C++ and never show its bytes to JavaScript.
 */
export class FrameTap extends Duplex {
  readonly #socket: Duplex;
  readonly #hooks: TapHooks;

  constructor(socket: Duplex, hooks: TapHooks) {
    super();
    this.#socket = socket;
    this.#hooks = hooks;
    socket.on("data", (bytes: Buffer) => {
      hooks.onRead(bytes, now());
      if (!this.push(bytes)) socket.pause();
      hooks.afterRead?.();
    });
    socket.on("end", () => this.push(null));
    // Errors are the probe's to read on the socket itself; the session only needs to learn it is over.
    socket.on("close", () => this.destroy());
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#hooks.onWrite(chunk, now());
    if (this.#socket.destroyed) {
      callback();
      return;
    }
    this.#socket.write(chunk, (error) => callback(error ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(error);
  }
}
