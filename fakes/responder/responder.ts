import { type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { finished } from "node:stream";
import { now } from "../../lib/clock.ts";
import type { EventLog } from "../event-log.ts";
import type { RequestView, StreamControl } from "../faults/fault.ts";
import type { Journal, LiveEntry } from "../journal.ts";
import type { JournalEntry } from "../journal-types.ts";
import { PacedAlarm, type PacedWait, type Pacer } from "../pacer.ts";
import { type Schedule, scheduleBase } from "../pacing.ts";
import type { Script } from "../script.ts";
import type {
  Codec,
  PlannedEvent,
  ProviderStream,
  RenderContext,
  RenderedBody,
  ResponseHead,
  RouteMatch,
} from "../types.ts";
import { sleepUnlessAborted, untilDrained } from "./abortable-waits.ts";
import {
  appendFrame,
  appendToken,
  type FramedChunk,
  frameChunk,
  frameMark,
  framesSince,
  frameToken,
  freshScratch,
  releaseFrames,
} from "./chunk-frame.ts";
import { END, FaultSteps, NO_PLACES, NO_STEPS, ownPlan, type StepPlaces } from "./fault-steps.ts";
import { PlainRun, type PlainStop } from "./plain-run.ts";
import { ReplaySchedule, scheduleFor } from "./replay-schedule.ts";
import { openStream } from "./replay-stream.ts";
import { planResponse, renderContext } from "./response-plan.ts";
import { SplitWrite } from "./split-write.ts";
import type { StreamAbort } from "./stream-abort.ts";

export interface ResponderInput {
  res: ServerResponse;
  socket: Socket;
  codec: Codec;
  route: RouteMatch;
  model: string;
  request: RequestView;
  script: Script;
  entry: LiveEntry;
  journal: Journal;
  /** Aborted when the client leaves or the server closes. */
  abort: StreamAbort;
  /** The server's clock for paced writes, shared by all its streams. */
  pacer: Pacer;
  /**
   * The connection tracker: told when the fake, not the client, is closing this socket, and when
   * the answer is over (`abort` is this answer's).
   */
  connection: { markSelfClosed(): void; served(abort: StreamAbort): void };
  /** When the request's body had all arrived (`now()`): where its schedule counts from. */
  requestEnded: number;
}

/** Runs one script against one request: pacing, the codec's bytes, the faults at their places. */
export class Responder implements StreamControl {
  readonly ctx: RenderContext;
  readonly stream: ProviderStream;
  readonly request: RequestView;
  /** The plan and a cursor (Array#shift is O(n) on large arrays: a 200k-event plan went quadratic). */
  #plan: PlannedEvent[] = [];
  #cursor = 0;
  /** Where the script's steps fire, placed by #open. */
  #places: StepPlaces = NO_PLACES;

  readonly #in: ResponderInput;
  readonly #abort: StreamAbort;
  readonly #faults: FaultSteps;
  readonly #schedule: Schedule;
  #bytes = 0;
  /** res.write calls (bodies that are not chunked) not yet handed to the kernel. */
  #pendingResWrites = 0;
  /** Made by the first #flush that must wait for those (fin and rst steps): most streams never do. */
  #flushWaiters: Array<() => void> | undefined = undefined;
  #split?: SplitWrite;
  #finished = false;
  /** The body's end, once res.end was called. */
  #ending: Promise<void> | undefined;
  /** The write being made is the plan's last: #sendFramed leaves it corked for the terminator. */
  #closing = false;
  /** `abort.aborted`, kept by the one abort listener, on this object: the write path asks several times per event. */
  #aborted: boolean;
  /** The paced write this stream is waiting for, cancelled if the client leaves. */
  #pendingWait: PacedWait | undefined;
  /** This stream's wake-up for plain runs, made on first use and set for each paced write. */
  #alarm: PacedAlarm | undefined;
  #plain: PlainRun | undefined;
  /** What the last socket write returned: false asks to wait for drain. */
  #lastWriteOk = true;
  /** A write of an unpaced run (#writeUnpaced) that asked to wait for drain. */
  #drainWait: Promise<void> | undefined;
  /** The stream writes script tokens straight into bytes (ProviderStream.writeToken). */
  readonly #writesTokens: boolean;
  /**
   * The entry's log and times, held here for the per-write path: the entry itself, with its own
   * accessors, keeps its properties in a dictionary, a hash lookup per read.
   */
  readonly #log: EventLog;
  readonly #times: JournalEntry["t"];
  // The pacer's callback, one per stream. Assigned in the constructor, not as an initialized
  // field: a field's arrow gets an inferred name, which tsx's keepNames sets again with a
  // defineProperty on every stream (a property store each).
  readonly #onAlarm: (onTime: boolean) => void;
  /**
   * res.write's callback, made on the first write of a body that is not chunked, and the socket's
   * close listener, made by the first #flush that must wait: a stream keeps what it makes for its
   * whole life, and most streams never need either.
   */
  #onResWritten: (() => void) | undefined = undefined;
  #onSocketClose: (() => void) | undefined = undefined;

  constructor(input: ResponderInput) {
    this.#in = input;
    this.#log = input.entry.log;
    this.#times = input.entry.t;
    this.#onAlarm = (onTime) => {
      const run = this.#plain;
      if (!run) return;
      if (!onTime || this.#aborted) run.resolve("abort");
      else this.#plainOn();
    };
    this.#abort = input.abort;
    this.#aborted = input.abort.aborted;
    // One listener for the stream's life rather than one per paced write.
    input.abort.onAbort(() => {
      this.#aborted = true;
      if (this.#pendingWait) input.pacer.cancel(this.#pendingWait);
      if (this.#alarm?.pending) input.pacer.cancel(this.#alarm);
    });
    this.request = input.request;
    this.#faults = new FaultSteps(input.script, input.entry, input.journal);
    this.#schedule = scheduleFor(input.script);
    this.ctx = renderContext(input);
    this.#faults.configure(this.ctx);
    this.stream = openStream(input.codec.open(this.ctx), input.codec.name, input.script);
    this.#writesTokens = this.stream.writeToken !== undefined;
  }

  /** Aborted when the client goes away or the server shuts down; made when a step first asks. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /**
   * The answer is over. Done in run's own finally, not in callbacks chained onto its promise: those
   * were two closures, their context and two promises a stream, kept for its whole life.
   */
  #afterRun(): void {
    if (this.#onSocketClose !== undefined) this.#in.socket.off("close", this.#onSocketClose);
    const entry = this.#in.entry;
    if (entry.outcome === "in-progress") entry.outcome = this.#abort.aborted ? "client-closed" : "fault";
    this.#in.connection.served(this.#abort);
    // Once, with everything settled (a failure's error and status are set before this runs):
    // each call runs every long poll's predicate over the whole journal.
    this.#in.journal.changed();
  }

  /** The answer broke in the fake: a 500 while no header is out, else the connection cut. */
  #failed(error: unknown): void {
    const { entry, res, socket } = this.#in;
    entry.outcome = "fault";
    entry.error = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) {
      entry.status = 500;
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`streamchaos fake: ${entry.error}\n`);
    } else socket.destroy();
  }

  /**
   * Answers the request, whatever happens on the way: the journal entry says how it ended, and a
   * failure of the fake's own (not the client leaving) is a 500 or, once the headers are out, a
   * cut connection. Settles when the answer is over; rejects only if that reporting failed.
   */
  async run(): Promise<void> {
    try {
      const opened = this.#open();
      let base = typeof opened === "object" ? await opened : opened;
      if (base === undefined) return;
      const { at, byteSteps } = this.#places;
      let slot = -1;
      // A replay paces every recorded write, not only those from the first content event on.
      if (this.#schedule instanceof ReplaySchedule) slot = this.#schedule.follow(this.#plan);
      while (this.#cursor < this.#plan.length) {
        if (this.#schedule.paced && byteSteps.length === 0 && this.#split === undefined) {
          const run = this.#runPlain(at, base, slot);
          const stop = await run.stopped;
          slot = run.slot;
          this.#plain = undefined;
          if (stop === "abort") return;
          if (stop === "drain") await run.drain;
          if (stop !== "steps") continue;
        } else if (byteSteps.length === 0 && this.#split === undefined && this.#in.res.chunkedEncoding) {
          const stop = this.#writeUnpaced(at);
          if (stop === "abort") return;
          if (stop === "drain") {
            await (this.#drainWait ?? untilDrained(this.#in.res, this.#in.socket, this.#abort));
            this.#drainWait = undefined;
          }
          if (stop !== "steps") continue;
        }
        const event = this.#plan[this.#cursor]!;
        // Most streams have no step left to place: no map lookups for them, on every event.
        if (at.size > 0) {
          for (const step of at.get(event) ?? NO_STEPS) {
            const started = now();
            if ((await this.#faults.fire(step, this)) === "done") return;
            base = scheduleBase(base + now() - started);
          }
          at.delete(event);
          if (this.#plan[this.#cursor] !== event) continue; // a step inserted an event before this one
        }
        this.#cursor++;
        if (this.#aborted) return;
        let due: number | undefined;
        if (slot >= 0 || event.kind === "content") {
          slot++;
          if (this.#schedule.paced) {
            due = base + this.#schedule.offset(slot);
            const onTime = this.#waitUntil(due);
            if (!(typeof onTime === "boolean" ? onTime : await onTime) || this.#aborted) return;
          }
        }
        // Left a string, the usual event is encoded once, straight into its chunk (#send); byte
        // steps need its bytes to cut them.
        let data: Buffer | string = event.render(this.stream);
        let text = event.text;
        if (byteSteps.length > 0) {
          let bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
          while (byteSteps.length > 0 && byteSteps[0]!.byte < this.#bytes + bytes.length) {
            const step = byteSteps.shift()!;
            const cut = Math.max(0, step.byte - this.#bytes);
            if (cut > 0) {
              await this.#writeBytes(bytes.subarray(0, cut), event.kind, text, due);
              text = undefined;
            }
            bytes = bytes.subarray(cut);
            const started = now();
            if ((await this.#faults.fire(step, this)) === "done") return;
            base = scheduleBase(base + now() - started);
          }
          data = bytes;
        }
        // A string's length is 0 exactly when its UTF-8 bytes are.
        if (data.length > 0) {
          // Usually written synchronously: awaiting only when a write must wait (drain, a split)
          // keeps a paced stream at one promise per event, which the GC notices at 10^4 events/s.
          const pending = this.#writeEvent(event, data, text, due);
          if (pending) await pending;
        }
      }
      if (at.size > 0 || byteSteps.length > 0) {
        for (const step of [...(at.get(END) ?? []), ...byteSteps]) {
          if ((await this.#faults.fire(step, this)) === "done") return;
        }
      }
      await this.#end(this.#cleanOutcome());
    } catch (error) {
      // A write to a socket that just went away is the client's doing, not a fake failure.
      if (!this.#abort.aborted) this.#failed(error);
    } finally {
      this.#afterRun();
    }
  }

  /**
   * Plans the answer, fires the steps before the stream and sends the head; returns the schedule's
   * base, or undefined when a step ended the answer. A frame of its own, not the top of run: a
   * suspended async function keeps every register of its frame while it waits, which for run is
   * the stream's whole life, and these (the plan as built, the head and its headers) are garbage
   * once the head is out. In run they had cost ~1 KB a stream (live heap with 1,000 open:
   * 12.2-12.5 KB a stream before, 11.2-11.4 after). Not async itself: most answers neither hold
   * their headers back nor fire a step before them, and those go on in the same call, with no
   * async frame, promise or microtask turn a stream (#openAfterWaits takes the others).
   */
  #open(): number | undefined | Promise<number | undefined> {
    const { codec, route } = this.#in;
    const streaming = codec.wantsStream(this.request.body, route);
    const { plan: answer, head } = planResponse(this.stream, streaming, this.ctx, this.#faults);
    // A copy at its exact length: the plan is built by pushes, and an array grown by push keeps
    // up to half again its length in spare room, which every stream held for its whole life
    // (~260 B of a 53-event plan). The copy is garbage at once; what lives is what is used.
    // Not of a frozen plan: that one is shared by every stream of its script (a codec's own,
    // e.g. OpenAI's text answers), already exact, and copied only if a step inserts an event.
    const transformed = this.#faults.transform(answer, this.stream);
    const plan = Object.isFrozen(transformed) ? transformed : transformed.slice();
    this.#log.reserve(plan.length);
    this.#log.useTokens(this.ctx.tokens);
    // The schedule counts from the request's arrival, as a provider's time to first token does,
    // not from when this fake got round to it: a herd of 1,000 requests takes ~300 ms to set up,
    // and counting from the headers had started the last streams that far behind their
    // schedule, every event of them late. A request set up late writes what is past due at once.
    const preStream = this.#faults.preStream();
    if (this.#schedule.headersDelayMs > 0 || preStream.length > 0)
      return this.#openAfterWaits(plan, head, preStream);
    return this.#sendHead(plan, head, this.#in.requestEnded);
  }

  /** #open's answers that wait first: a pre-stream step holds the schedule back by what it held the stream. */
  async #openAfterWaits(
    plan: PlannedEvent[],
    head: ResponseHead,
    preStream: ReturnType<FaultSteps["preStream"]>,
  ): Promise<number | undefined> {
    let origin = this.#in.requestEnded;
    const headersDelayMs = this.#schedule.headersDelayMs;
    if (headersDelayMs > 0) {
      const left = origin + headersDelayMs - now();
      if (left > 0 && !(await this.sleep(left))) return undefined;
      origin += headersDelayMs;
    }
    for (const step of preStream) {
      const started = now();
      if ((await this.#faults.fire(step, this)) === "done") return undefined;
      origin += now() - started;
    }
    return this.#sendHead(plan, head, origin);
  }

  /** Places the steps on the plan and sends the head; returns the schedule's base. */
  #sendHead(plan: PlannedEvent[], head: ResponseHead, origin: number): number {
    this.#places = this.#faults.place(plan, this.stream);

    // The headers leave with what is written in this same tick (the events before the first
    // token; all of a short unpaced answer, its end included) in one socket write: a write of
    // their own had been a third of the time a herd of 1,000 requests took to set up.
    const socket = this.#in.socket;
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    this.#in.res.writeHead(head.status, head.statusText, head.headers);
    this.#in.res.flushHeaders();
    const entry = this.#in.entry;
    entry.status = head.status;
    entry.t.headersSent = now();
    this.#in.journal.changed();
    this.#plan = plan;
    this.#cursor = 0;
    return scheduleBase(origin);
  }

  // ---- Pacing hand-off: a plain run between steps --------------------------------------------

  /**
   * Writes the plan on from the cursor, each event at its due time, up to the first event a step
   * is placed before ("steps"), the end ("done"), a write that must wait for drain ("drain") or
   * the client leaving ("abort"). The same writes as the loop in run makes event by event, but
   * paced by this stream's alarm, from inside the pacer's timer callback: one promise for the run,
   * not one per write. Only taken for a paced stream with no byte step and no split pending
   * (which only steps set); an unpaced one writes without waiting in the loop of run.
   */
  #runPlain(at: PlainRun["at"], base: number, slot: number): PlainRun {
    const run = new PlainRun(at, base, slot);
    this.#plain = run;
    this.#plainOn();
    return run;
  }

  /** Goes on with the plain run until it must wait for a due time or stops. */
  #plainOn(): void {
    const run = this.#plain!;
    let stop: PlainStop | undefined;
    try {
      stop = this.#plainWrites(run);
    } catch (error) {
      run.reject(error);
      return;
    }
    if (stop !== undefined) run.resolve(stop);
  }

  /** Writes what is due; returns why the run stops, or undefined once the alarm is set. */
  #plainWrites(run: PlainRun): PlainStop | undefined {
    for (;;) {
      let event = run.event;
      if (event === undefined) {
        if (this.#cursor >= this.#plan.length) return "done";
        event = this.#plan[this.#cursor]!;
        if (run.at.size > 0 && run.at.has(event)) return "steps";
        this.#cursor++;
        if (this.#aborted) return "abort";
        run.due = undefined;
        if (run.slot >= 0 || event.kind === "content") {
          run.slot++;
          const due = run.base + this.#schedule.offset(run.slot);
          run.due = due;
          if (due > now()) {
            run.event = event;
            this.#alarm ??= new PacedAlarm(this.#onAlarm);
            this.#in.pacer.setAlarm(this.#alarm, due);
            return undefined;
          }
        }
      }
      run.event = undefined;
      let drain: Promise<void> | undefined;
      const chunked = this.#in.res.chunkedEncoding;
      // The plan's last event with no step after it: the body ends in the same tick, and the
      // chunked terminator leaves in this event's socket write (#end), not in one of its own.
      const closing = chunked && this.#cursor >= this.#plan.length && !run.at.has(END);
      const framed =
        event.isToken && this.#writesTokens && chunked
          ? frameToken(this.stream, event.text!, event.finish === true)
          : undefined;
      if (framed !== undefined) {
        this.#closing = closing;
        drain = this.#writeFramed(framed, event.kind, event.text, run.due);
      } else {
        const data = event.render(this.stream);
        // A string's length is 0 exactly when its UTF-8 bytes are.
        if (data.length === 0) continue;
        this.#closing = closing;
        drain = this.#writeEvent(event, data, event.text, run.due);
      }
      if (closing) this.#closeAfterLastWrite(drain === undefined);
      if (drain) {
        run.drain = drain;
        return "drain";
      }
    }
  }

  // ---- Unpaced: a run of events framed back to back ------------------------------------------

  /**
   * Writes the plan on from the cursor without pacing, up to the first event a step is placed
   * before ("steps"), the end ("done"), a socket that asks to wait for drain ("drain") or the
   * client leaving ("abort"). The events are framed back to back in the shared scratch and leave
   * in one socket write per scratch-full and at the stop, not one each: a socket write is the
   * stream's bookkeeping, a buffered-write entry and a callback, more than rendering the event,
   * and 20,000 of them had been most of an unpaced stream's time. Each event is still journaled
   * on its own, stamped as framed. Only taken for a chunked body with no byte step and no split
   * pending (which only steps set).
   */
  #writeUnpaced(at: PlainRun["at"]): PlainStop {
    let mark = frameMark();
    for (;;) {
      let stop: PlainStop | undefined;
      if (this.#cursor >= this.#plan.length) stop = "done";
      else if (at.size > 0 && at.has(this.#plan[this.#cursor]!)) stop = "steps";
      else if (this.#aborted) stop = "abort";
      if (stop !== undefined) {
        if (stop === "abort") {
          releaseFrames(mark);
          return stop;
        }
        return this.#sendFrames(mark) || stop === "done" ? stop : "drain";
      }
      const event = this.#plan[this.#cursor++]!;
      // A script token is written straight into the scratch when the stream can; rendered
      // otherwise (once: its seeded parts are drawn as it renders).
      const token = event.isToken === true && this.#writesTokens;
      let data: Buffer | string | undefined;
      let length: number;
      if (token) length = appendToken(this.stream, event.text!, event.finish === true);
      else {
        data = event.render(this.stream);
        // A string's length is 0 exactly when its UTF-8 bytes are.
        if (data.length === 0) continue;
        length = appendFrame(data);
      }
      if (length < 0) {
        // The scratch is full: what is framed goes now, then a fresh scratch (or, too big for
        // any, this event alone, after them).
        const ok = this.#sendFrames(mark);
        freshScratch();
        mark = frameMark();
        length =
          data === undefined
            ? appendToken(this.stream, event.text!, event.finish === true)
            : appendFrame(data);
        if (length < 0) {
          this.#drainWait = this.#writeBytes(data ?? event.render(this.stream), event.kind, event.text);
          if (this.#drainWait !== undefined || !ok) return "drain";
          continue;
        }
        this.#journalWrite(now(), length, event.kind, event.text, undefined);
        if (!ok) {
          // Rendered is rendered (its seeded parts were drawn): it goes now, then the wait.
          this.#sendFrames(mark);
          return "drain";
        }
        continue;
      }
      this.#journalWrite(now(), length, event.kind, event.text, undefined);
    }
  }

  /** Hands the frames since `mark` to the socket in one write; false asks to wait for drain. */
  #sendFrames(mark: number): boolean {
    const bytes = framesSince(mark);
    if (bytes.length === 0) return true;
    const socket = this.#in.socket;
    // No callback (see #flush): Node completes a write made without one with no tick of its own.
    this.#lastWriteOk = socket.write(bytes);
    // Bytes the socket still holds (corked, or the kernel's buffer was full) are not to be reused.
    if (socket.writableLength === 0) releaseFrames(mark);
    return this.#lastWriteOk;
  }

  /**
   * Whether to write now: true at once when `due` has passed, else the pacer's wait, which ends
   * false if the client leaves first. Not an async function: one fewer promise per paced event.
   */
  #waitUntil(due: number): boolean | Promise<boolean> {
    if (this.#aborted) return false;
    if (due <= now()) return true;
    // Left in place once settled: cancelling a settled wait does nothing.
    this.#pendingWait = this.#in.pacer.waitUntil(due);
    return this.#pendingWait.promise;
  }

  // ---- Writing to the socket: per write, so on this object's own fields ----------------------

  #writeEvent(
    event: PlannedEvent,
    data: Buffer | string,
    text: string | undefined,
    due?: number,
  ): Promise<void> | undefined {
    const split = this.#split;
    if (split?.select(event)) {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      return this.#writeSplit(event, split, bytes, text, due);
    }
    return this.#writeBytes(data, event.kind, text, due);
  }

  #writeSplit(
    event: PlannedEvent,
    split: SplitWrite,
    bytes: Buffer,
    text: string | undefined,
    due: number | undefined,
  ): Promise<void> {
    this.#split = undefined;
    return split.write(bytes, {
      write: (piece, first) => this.#writeBytes(piece, event.kind, first ? text : undefined, due),
      flush: () => this.#flush(),
      sleep: (ms) => this.sleep(ms),
    });
  }

  /**
   * Writes and journals now; returns a promise only when the socket asks to wait for drain.
   * `data` is body bytes, or a string to go out as UTF-8.
   */
  #writeBytes(
    data: Buffer | string,
    kind: string,
    text: string | undefined,
    due?: number,
  ): Promise<void> | undefined {
    if (this.#aborted || this.#finished) return undefined;
    const t = now();
    const length = this.#send(data, due !== undefined);
    const ok = this.#lastWriteOk;
    this.#journalWrite(t, length, kind, text, due);
    return ok ? undefined : untilDrained(this.#in.res, this.#in.socket, this.#abort);
  }

  /** Journals a write of `length` body bytes handed to the socket (or framed for it) at `t`. */
  #journalWrite(t: number, length: number, kind: string, text: string | undefined, due: number | undefined) {
    this.#log.push(t, length, kind, text, due);
    const times = this.#times;
    times.lastByte = t;
    if (kind === "content" && times.firstContent === undefined) {
      times.firstContent = t;
      this.#in.journal.changed();
    }
    this.#bytes += length;
  }

  /**
   * Puts one write on the wire and returns its body bytes; `#lastWriteOk` tells whether the socket
   * can take more. A chunked body is framed here, as one buffer in one socket write, not by
   * res.write, which takes a cork, three buffered writes, a writev and a nextTick per event:
   * ~1.3 KB of garbage each, and at 10^4 paced events/s the scavenger's pauses made them late.
   * The bytes are the same, `<hex size>\r\n<data>\r\n` (RFC 9112 §7.1), spelled into the shared
   * scratch (frameChunk). A paced write leaves now: it is due now and journaled as written now.
   * Unpaced writes made in one tick share a syscall, as under http's own cork.
   */
  #send(data: Buffer | string, paced: boolean): number {
    const { res } = this.#in;
    // Content-length bodies and HTTP/1.0 are not chunked; an empty chunk would end the body.
    if (!res.chunkedEncoding || data.length === 0) {
      this.#pendingResWrites++;
      this.#onResWritten ??= () => {
        this.#pendingResWrites--;
        if (this.#pendingResWrites === 0) this.#wakeFlushWaiters();
      };
      this.#lastWriteOk = res.write(data, this.#onResWritten);
      return typeof data === "string" ? Buffer.byteLength(data) : data.length;
    }
    return this.#sendFramed(frameChunk(data), paced);
  }

  /** #writeBytes for a chunk already framed (a script token the stream wrote into the scratch). */
  #writeFramed(
    framed: FramedChunk,
    kind: string,
    text: string | undefined,
    due: number | undefined,
  ): Promise<void> | undefined {
    if (this.#aborted || this.#finished) return undefined;
    const t = now();
    const length = this.#sendFramed(framed, due !== undefined);
    this.#journalWrite(t, length, kind, text, due);
    return this.#lastWriteOk ? undefined : untilDrained(this.#in.res, this.#in.socket, this.#abort);
  }

  /** Puts a framed chunk on the wire (#send); returns its body bytes. */
  #sendFramed(framed: FramedChunk, paced: boolean): number {
    const socket = this.#in.socket;
    if (this.#closing) {
      // Held corked for the terminator that res.end writes next, which uncorks it (#closeAfterLastWrite).
      if (socket.writableCorked === 0) socket.cork();
    } else if (!paced && socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    this.#lastWriteOk = socket.write(framed.bytes);
    if (paced && !this.#closing) while (socket.writableCorked > 0) socket.uncork();
    // Bytes the socket still holds (corked, or the kernel's buffer was full) are not to be reused.
    if (socket.writableLength > 0) framed.keep();
    return framed.dataLength;
  }

  /**
   * After the plan's last write (#plainWrites): ends the body now, while that write is still
   * corked, so its chunk and the `0\r\n\r\n` terminator leave in one socket write. A write that
   * did not happen (the client left) or must wait for drain is let go as it is; run ends the
   * body after the wait, as for any other stream.
   */
  #closeAfterLastWrite(wrote: boolean): void {
    this.#closing = false;
    if (wrote && !this.#aborted && !this.#finished) {
      // res.end uncorks the socket fully, sending what the cork held.
      void this.#end(this.#cleanOutcome());
      return;
    }
    const socket = this.#in.socket;
    while (socket.writableCorked > 0) socket.uncork();
  }

  /** How a stream that ran its plan to the end ended: "fault" if a step fired on the way. */
  #cleanOutcome(): "complete" | "fault" {
    return this.#in.entry.faults.length > 0 ? "fault" : "complete";
  }

  /**
   * Resolves once every write so far was handed to the kernel (or the socket closed first).
   * Socket writes are made without a callback: with one, Node queues a tick and an object per
   * write to call it, 10^4 a second with 100 paced streams, for the few steps (fin, rst, split
   * writes) that ever ask. Writes complete in order, so the callback of an empty write made
   * here comes once every write before it has. Bodies that are not chunked go through res.write,
   * which can hold them before the socket: those are counted by their callbacks.
   */
  #flush(): Promise<void> {
    const socket = this.#in.socket;
    if (socket.destroyed) return Promise.resolve();
    let written: Promise<void> | undefined;
    if (socket.writableLength > 0) {
      written = new Promise((resolve) => {
        // Ended (the body's end was asked for): no write may follow, so its finish tells instead.
        if (socket.writableEnded) {
          const stopListening = finished(socket, { readable: false }, () => {
            stopListening();
            resolve();
          });
        } else socket.write(NOTHING, () => resolve());
      });
    }
    if (this.#pendingResWrites === 0) return written ?? Promise.resolve();
    if (this.#flushWaiters === undefined) {
      this.#flushWaiters = [];
      this.#onSocketClose = () => this.#wakeFlushWaiters();
      socket.on("close", this.#onSocketClose);
    }
    const waiters = this.#flushWaiters;
    const resWritten = new Promise<void>((resolve) => waiters.push(resolve));
    return written === undefined ? resWritten : Promise.all([written, resWritten]).then(nothing);
  }

  #wakeFlushWaiters(): void {
    // Called after every res.write: most have nobody waiting, and splice makes an array each time.
    const waiters = this.#flushWaiters;
    if (waiters === undefined || waiters.length === 0) return;
    for (const wake of waiters.splice(0)) wake();
  }

  /** Every ending a fault step causes is a "fault"; only the script's own end can be "complete". */
  #ended(outcome: "complete" | "fault" = "fault"): void {
    this.#finished = true;
    const entry = this.#in.entry;
    entry.t.responseEnded = now();
    entry.outcome = outcome;
    this.#in.journal.changed();
  }

  // ---- StreamControl -------------------------------------------------------------------------

  findUpcoming(test: (event: PlannedEvent) => boolean): PlannedEvent | undefined {
    for (let i = this.#cursor; i < this.#plan.length; i++) if (test(this.#plan[i]!)) return this.#plan[i];
    return undefined;
  }

  insertBefore(before: PlannedEvent | undefined, event: PlannedEvent): void {
    // A shared plan becomes this stream's own before it changes. Only a codec's plan is shared:
    // a replay's, which its schedule follows as this same array, never is.
    this.#plan = ownPlan(this.#plan);
    const index = before === undefined ? -1 : this.#plan.indexOf(before, this.#cursor);
    this.#plan.splice(index < 0 ? this.#cursor : index, 0, event);
  }

  async write(event: PlannedEvent): Promise<void> {
    await this.#writeEvent(event, event.render(this.stream), event.text);
  }

  splitNextWrite(
    split: (bytes: Buffer) => Buffer[],
    gapMs: number,
    select?: (event: PlannedEvent) => boolean,
  ): void {
    this.#split = new SplitWrite(split, gapMs, select);
  }

  async respond(body: RenderedBody, extraHeaders: Record<string, string> = {}): Promise<void> {
    const { res, entry } = this.#in;
    if (this.#abort.aborted || res.headersSent) return;
    const bytes = Buffer.from(body.body, "utf8");
    // Node knows no reason phrase for 529; Anthropic's is "Overloaded" in effect.
    const reason = STATUS_CODES[body.status] ?? (body.status === 529 ? "Site Overloaded" : "Error");
    res.writeHead(body.status, reason, {
      ...body.headers,
      ...extraHeaders,
      "content-length": String(bytes.length),
    });
    entry.status = body.status;
    entry.t.headersSent = now();
    await this.#writeBytes(bytes, "error", undefined);
    await this.end();
  }

  end(): Promise<void> {
    return this.#end("fault");
  }

  #end(outcome: "complete" | "fault"): Promise<void> {
    // Ended already, right after the last write (#closeAfterLastWrite): run waits for that end.
    if (this.#ending) return this.#ending;
    const res = this.#in.res;
    if (this.#finished || this.#abort.aborted) return Promise.resolve();
    this.#ending = new Promise((resolve) => {
      res.end(() => {
        this.#ended(outcome);
        resolve();
      });
      res.once("close", () => resolve());
    });
    return this.#ending;
  }

  async fin(): Promise<void> {
    await this.#flush();
    if (this.#abort.aborted || this.#finished) return;
    this.#in.connection.markSelfClosed();
    this.#ended();
    // destroySoon: FIN once the kernel has everything, and no `0\r\n\r\n` from the HTTP layer.
    this.#in.socket.destroySoon();
  }

  async rst(settleMs = 0): Promise<void> {
    await this.#flush();
    if (settleMs > 0 && this.#bytes > 0 && !(await this.sleep(settleMs))) return;
    if (this.#abort.aborted || this.#finished) return;
    this.#in.connection.markSelfClosed();
    this.#ended();
    this.#in.socket.resetAndDestroy();
  }

  sleep(ms: number): Promise<boolean> {
    return sleepUnlessAborted(this.#abort, ms);
  }
}

/** The empty write #flush waits on. */
const NOTHING = Buffer.alloc(0);

function nothing(): void {}

function uncork(socket: Socket): void {
  socket.uncork();
}
