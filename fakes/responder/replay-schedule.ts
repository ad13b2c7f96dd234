import { recordingOf } from "../cassettes/recording.ts";
import { Schedule } from "../pacing.ts";
import type { Script } from "../script.ts";
import type { PlannedEvent } from "../types.ts";
import { type RecordedPiece, replayedCassette } from "./replay-stream.ts";

/**
 * When a replay's writes are due. Every write of a recording is paced, from the first (a
 * synthesized stream paces from its first content event on; a recording's first bytes have a time
 * too). With no `pacing` in the script, each write goes at its recorded time after the headers,
 * which go at their recorded time after the request. With `pacing`, the writes are re-timed by it,
 * write by write (not event by event: a write is what the recording kept): write k is due at
 * firstTokenMs + k·interval + jitter, and `pacing: {}` sends them all at once.
 * Events a step inserts go right after the write before them; a time marker at its time.
 */
export class ReplaySchedule extends Schedule {
  readonly #recorded: boolean;
  #plan: readonly PlannedEvent[] = [];
  #offset = 0;
  #lastWrite = -1;
  #writes = 0;

  constructor(script: Script, headersMs: number) {
    const recorded = script.pacing === undefined;
    super(recorded ? { headersDelayMs: Math.round(headersMs) } : script.pacing);
    this.#recorded = recorded;
  }

  override get paced(): boolean {
    return this.#recorded ? true : super.paced;
  }

  /**
   * Follows `plan` (the live array the responder walks: events a step inserts land in it) and
   * returns the slot before the first paced event: 0, so the first write is slot 1, plan[0].
   */
  follow(plan: readonly PlannedEvent[]): number {
    this.#plan = plan;
    return 0;
  }

  override offset(slot: number): number {
    const piece = recordedPart(this.#plan[slot - 1]);
    if (!piece) return this.#offset;
    if (this.#recorded) {
      this.#offset = Math.max(this.#offset, piece.due);
    } else if (piece.write >= 0 && piece.write !== this.#lastWrite) {
      this.#lastWrite = piece.write;
      this.#offset = Math.max(this.#offset, super.offset(this.#writes++));
    }
    return this.#offset;
  }
}

/** The recorded piece an event is, or a copy of one (unterminated-final-event rewrites the last). */
function recordedPart(event: PlannedEvent | undefined): Pick<RecordedPiece, "due" | "write"> | undefined {
  const piece = event as Partial<RecordedPiece> | undefined;
  return typeof piece?.due === "number" && typeof piece.write === "number"
    ? { due: piece.due, write: piece.write }
    : undefined;
}

/** The schedule a script is played by: its pacing, or a replay's recorded or re-timed writes. */
export function scheduleFor(script: Script): Schedule {
  const cassette = replayedCassette(script);
  if (!cassette) return new Schedule(script.pacing);
  return new ReplaySchedule(script, recordingOf(cassette).headersT);
}
