import type { PlannedEvent } from "../types.ts";

/** What a split write needs from the stream it writes on. */
export interface PieceWriter {
  /** Writes and journals one piece now; a promise only when the socket asks to wait for drain. */
  write(piece: Buffer, first: boolean): Promise<void> | undefined;
  /** Resolves once every write so far was handed to the kernel. */
  flush(): Promise<void>;
  /** Resolves false if the client left first. */
  sleep(ms: number): Promise<boolean>;
}

const everyEvent = (): boolean => true;

/** A pending splitNextWrite(): the next selected event goes out in these pieces. */
export class SplitWrite {
  readonly split: (bytes: Buffer) => Buffer[];
  readonly gapMs: number;
  readonly select: (event: PlannedEvent) => boolean;

  constructor(
    split: (bytes: Buffer) => Buffer[],
    gapMs: number,
    select: (event: PlannedEvent) => boolean = everyEvent,
  ) {
    this.split = split;
    this.gapMs = gapMs;
    this.select = select;
  }

  /** Writes `bytes` piece by piece, each once the one before it was handed to the kernel. */
  async write(bytes: Buffer, writer: PieceWriter): Promise<void> {
    const pieces = this.split(bytes);
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) {
        await writer.flush();
        if (this.gapMs > 0 && !(await writer.sleep(this.gapMs))) return;
      }
      await writer.write(piece, i === 0);
    }
  }
}
