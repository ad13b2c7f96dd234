import type { ProbeChunk, ProbeInterimResponse, ProbeObservation, ProbeRead } from "./observation.ts";

type Framing = NonNullable<ProbeObservation["response"]>["framing"];
type Head = NonNullable<ProbeObservation["response"]>;

type State =
  | "status-line"
  | "headers"
  | "body-length"
  | "body-close"
  | "chunk-size"
  | "chunk-data"
  | "chunk-data-crlf"
  | "trailers"
  | "done"
  | "malformed";

const LF = 0x0a;
const CR = 0x0d;
/** Bigger than any sane header block; a peer that sends more without a blank line is not speaking HTTP. */
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const EMPTY = Buffer.alloc(0);

export interface DecoderSink {
  /** Called for every piece of de-chunked body, in order, with the time of the read that carried it. */
  onBody?(bytes: Buffer, t: number): void;
  onHead?(head: Head): void;
}

/**
 * Incremental HTTP/1.1 response decoder (RFC 9112). It never concatenates the body while reading:
 * only a partial line (status, header, chunk-size, trailer) is carried between reads, so a 10 MB
 * body costs one pass. It is lenient where real servers are sloppy (bare LF, obs-fold) and records
 * each leniency in `notes`; anything it cannot frame puts it in the "malformed" state with a reason,
 * after which every byte is kept as garbage. It never throws on wire input. The probe reads its own
 * socket with it; harness/hops/ reads every tapped hop's bytes with it.
 */
export class HttpResponseDecoder {
  head: Head | undefined;
  readonly interim: ProbeInterimResponse[] = [];
  readonly chunks: ProbeChunk[] = [];
  readonly bodyReads: ProbeRead[] = [];
  readonly notes: string[] = [];
  trailers: Array<[string, string]> | undefined;
  terminatorAt: number | undefined;
  firstBodyByteAt: number | undefined;
  malformed: string | undefined;
  bodyBytes = 0;

  #state: State = "status-line";
  #pending: Buffer = EMPTY;
  #headerBytes = 0;
  #status: { code: number; text: string; version: string } | undefined;
  #headers: Array<[string, string]> = [];
  #remaining = 0;
  #chunk: { size: number; ext?: string; startT: number; pieces: Buffer[]; got: number } | undefined;
  #garbage: Buffer[] = [];
  #readBody: Buffer[] = [];
  #completedAt: number | undefined;
  #sawAnyByte = false;

  constructor(
    private readonly method: string,
    private readonly sink: DecoderSink = {},
  ) {}

  get complete(): boolean {
    return this.#state === "done";
  }

  get completedAt(): number | undefined {
    return this.#completedAt;
  }

  get state(): State {
    return this.#state;
  }

  push(data: Buffer, t: number): void {
    if (data.length === 0) return;
    this.#sawAnyByte = true;
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, data]) : data;
    this.#pending = EMPTY;
    let i = 0;
    while (i < buf.length) {
      const state = this.#state;
      if (state === "done" || state === "malformed") {
        this.#garbage.push(buf.subarray(i));
        i = buf.length;
      } else if (state === "body-length") {
        const take = Math.min(this.#remaining, buf.length - i);
        this.#emitBody(buf.subarray(i, i + take), t);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#finish(t);
      } else if (state === "body-close") {
        this.#emitBody(buf.subarray(i), t);
        i = buf.length;
      } else if (state === "chunk-data") {
        const chunk = this.#chunk!;
        const take = Math.min(chunk.size - chunk.got, buf.length - i);
        const piece = buf.subarray(i, i + take);
        chunk.pieces.push(piece);
        chunk.got += take;
        this.#emitBody(piece, t);
        i += take;
        if (chunk.got === chunk.size) {
          const data = chunk.pieces.length === 1 ? chunk.pieces[0]! : Buffer.concat(chunk.pieces, chunk.size);
          const done: ProbeChunk = { t, size: chunk.size, data, startT: chunk.startT };
          if (chunk.ext !== undefined) done.ext = chunk.ext;
          this.chunks.push(done);
          this.#chunk = undefined;
          this.#state = "chunk-data-crlf";
        }
      } else {
        const lf = buf.indexOf(LF, i);
        if (lf < 0) {
          this.#pending = buf.subarray(i);
          this.#checkLineLimit(this.#pending.length);
          if (this.#state === "malformed") {
            this.#garbage.push(this.#pending);
            this.#pending = EMPTY;
          }
          break;
        }
        const crlf = lf > i && buf[lf - 1] === CR;
        const line = buf.subarray(i, crlf ? lf - 1 : lf);
        const raw = buf.subarray(i, lf + 1);
        i = lf + 1;
        if (!crlf) this.#note(`bare LF line ending in ${state}`);
        this.#line(line, raw, t);
        if (this.#state === "malformed") {
          this.#garbage.push(raw);
        }
      }
    }
    this.#flushReadBody(t);
  }

  /** The peer closed: a close-delimited body is complete now; anything else mid-way is not. */
  endOfInput(t: number): void {
    if (this.#state === "body-close") this.#finish(t);
  }

  /** Where the decoder stood when input stopped, for `end.detail`; undefined when complete. */
  incompleteReason(): string | undefined {
    const partial = this.#pending.length;
    const prefix = this.malformed ? `malformed response: ${this.malformed}` : undefined;
    let where: string | undefined;
    switch (this.#state) {
      case "done":
      case "malformed":
        where = undefined;
        break;
      case "status-line":
        where = !this.#sawAnyByte
          ? "no response bytes at all (headers never sent)"
          : `in the status line after ${partial} bytes`;
        if (this.interim.length > 0 && partial === 0)
          where = "after a 1xx interim response, no final response";
        break;
      case "headers":
        where = `in the header block after ${this.#headerBytes} bytes`;
        break;
      case "body-length":
        where = `Content-Length body incomplete: ${this.bodyBytes} of ${this.bodyBytes + this.#remaining} bytes`;
        break;
      case "body-close":
        where = undefined;
        break;
      case "chunk-size":
        where =
          partial === 0
            ? `between chunks: ${this.chunks.length} chunks, no terminating 0-size chunk`
            : `mid chunk-size line after ${this.chunks.length} chunks`;
        break;
      case "chunk-data": {
        const c = this.#chunk!;
        where = `mid chunk data: ${c.got} of ${c.size} bytes of chunk #${this.chunks.length + 1}`;
        break;
      }
      case "chunk-data-crlf":
        where = `after the data of chunk #${this.chunks.length}, before its CRLF`;
        break;
      case "trailers":
        where = "after the last-chunk (0) before the final CRLF";
        break;
    }
    if (prefix && where) return `${prefix}; ${where}`;
    return prefix ?? where;
  }

  /** Undecoded leftovers: a partial line, the partial chunk, and anything after a complete or malformed response. */
  leftovers(): Buffer | undefined {
    const parts: Buffer[] = [];
    if (this.#state === "chunk-data" && this.#chunk) parts.push(...this.#chunk.pieces);
    if (this.#pending.length > 0) parts.push(this.#pending);
    parts.push(...this.#garbage);
    return parts.length === 0 ? undefined : Buffer.concat(parts);
  }

  framing(): Framing | undefined {
    return this.head?.framing;
  }

  #emitBody(piece: Buffer, t: number): void {
    if (piece.length === 0) return;
    this.firstBodyByteAt ??= t;
    this.bodyBytes += piece.length;
    this.#readBody.push(piece);
    this.sink.onBody?.(piece, t);
  }

  #flushReadBody(t: number): void {
    if (this.#readBody.length === 0) return;
    const bytes = this.#readBody.length === 1 ? this.#readBody[0]! : Buffer.concat(this.#readBody);
    this.#readBody = [];
    this.bodyReads.push({ t, bytes });
  }

  #finish(t: number): void {
    this.#state = "done";
    this.#completedAt = t;
  }

  #fail(reason: string): void {
    this.malformed ??= reason;
    this.#state = "malformed";
  }

  #note(note: string): void {
    if (!this.notes.includes(note)) this.notes.push(note);
  }

  #checkLineLimit(length: number): void {
    if (this.#state === "status-line" || this.#state === "headers") {
      if (this.#headerBytes + length > MAX_HEADER_BYTES) {
        this.#fail(`header block longer than ${MAX_HEADER_BYTES} bytes without a blank line`);
      }
    } else if (length > MAX_CHUNK_LINE && this.#state !== "trailers") {
      this.#fail(`${this.#state} line longer than ${MAX_CHUNK_LINE} bytes`);
    } else if (this.#state === "trailers" && length > MAX_HEADER_BYTES) {
      this.#fail(`trailer line longer than ${MAX_HEADER_BYTES} bytes`);
    }
  }

  #line(line: Buffer, raw: Buffer, t: number): void {
    switch (this.#state) {
      case "status-line":
        this.#headerBytes += raw.length;
        this.#statusLine(line.toString("latin1"));
        return;
      case "headers":
        this.#headerBytes += raw.length;
        this.#checkLineLimit(0);
        if ((this.#state as State) === "malformed") return;
        if (line.length === 0) this.#endOfHead(t);
        else this.#headerLine(line.toString("latin1"), this.#headers);
        return;
      case "chunk-size":
        this.#chunkSizeLine(line.toString("latin1"), t);
        return;
      case "chunk-data-crlf":
        if (line.length === 0) this.#state = "chunk-size";
        else
          this.#fail(
            `chunk data longer than its declared size or not followed by CRLF: ${JSON.stringify(line.toString("latin1").slice(0, 40))}`,
          );
        return;
      case "trailers":
        if (line.length === 0) {
          this.terminatorAt = t;
          this.#finish(t);
        } else {
          this.trailers ??= [];
          this.#headerLine(line.toString("latin1"), this.trailers);
        }
        return;
      default:
        return;
    }
  }

  #statusLine(line: string): void {
    const match = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(line);
    if (!match) {
      this.#fail(`not an HTTP/1.x status line: ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    this.#status = { version: match[1]!, code: Number(match[2]), text: match[3] ?? "" };
    this.#headers = [];
    this.#state = "headers";
  }

  #headerLine(line: string, into: Array<[string, string]>): void {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      const last = into.at(-1);
      if (!last) {
        this.#fail(`continuation line before any header: ${JSON.stringify(line.slice(0, 80))}`);
        return;
      }
      this.#note("obs-fold header continuation");
      last[1] = `${last[1]} ${line.trim()}`;
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) {
      this.#fail(`header line without a valid name: ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    into.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }

  #endOfHead(t: number): void {
    const status = this.#status!;
    const headers = this.#headers;
    if (status.code >= 100 && status.code < 200 && status.code !== 101) {
      this.interim.push({ t, statusCode: status.code, headers });
      this.#status = undefined;
      this.#headers = [];
      this.#state = "status-line";
      return;
    }
    const framing = this.#framing(status.code, headers);
    this.head = {
      statusCode: status.code,
      statusText: status.text,
      httpVersion: status.version,
      headers,
      headersAt: t,
      framing: framing ?? "none",
    };
    this.sink.onHead?.(this.head);
    if (framing === undefined) return; // #framing already failed
    if (framing === "none") this.#finish(t);
    else if (framing === "chunked") this.#state = "chunk-size";
    else if (framing === "close-delimited") this.#state = "body-close";
    else if (this.#remaining === 0) this.#finish(t);
    else this.#state = "body-length";
  }

  /** RFC 9112 §6.3, in its order of precedence. */
  #framing(code: number, headers: Array<[string, string]>): Framing | undefined {
    if (this.method.toUpperCase() === "HEAD" || code === 204 || code === 304) return "none";
    if (code === 101) return "close-delimited";
    const values = (name: string) => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    const te = values("transfer-encoding");
    const cl = values("content-length");
    if (te.length > 0) {
      if (cl.length > 0) this.#note("both Transfer-Encoding and Content-Length: Transfer-Encoding wins");
      const codings = te
        .join(",")
        .split(",")
        .map((c) => c.trim().toLowerCase())
        .filter(Boolean);
      if (codings.at(-1) === "chunked") return "chunked";
      this.#note(
        `Transfer-Encoding ${JSON.stringify(te.join(", "))} does not end in chunked: close-delimited`,
      );
      return "close-delimited";
    }
    if (cl.length > 0) {
      const lengths = new Set(
        cl
          .join(",")
          .split(",")
          .map((v) => v.trim()),
      );
      const [only] = lengths;
      if (
        lengths.size !== 1 ||
        only === undefined ||
        !/^\d+$/.test(only) ||
        !Number.isSafeInteger(Number(only))
      ) {
        this.#fail(`invalid Content-Length ${JSON.stringify(cl.join(", "))}`);
        return undefined;
      }
      this.#remaining = Number(only);
      return "content-length";
    }
    return "close-delimited";
  }

  #chunkSizeLine(line: string, t: number): void {
    const semi = line.indexOf(";");
    const sizeText = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText) || sizeText.length > 12) {
      this.#fail(`invalid chunk-size line ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    const size = Number.parseInt(sizeText, 16);
    const ext = semi < 0 ? undefined : line.slice(semi + 1);
    if (size === 0) {
      this.#state = "trailers";
      return;
    }
    this.#chunk = { size, startT: t, pieces: [], got: 0 };
    if (ext !== undefined) this.#chunk.ext = ext;
    this.#state = "chunk-data";
  }
}
