import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRecord } from "./runs/record.ts";

export interface TempDir extends AsyncDisposable {
  readonly path: string;
}

/**
 * A private temp dir removed on dispose (configs, pid files and logs of one started box). Named here
 * rather than by mkdtemp so that it is in the run record before it exists: a run killed at any
 * instant leaves no dir the record does not name.
 */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  for (;;) {
    const path = join(tmpdir(), `streamchaos-${prefix}-${randomBytes(6).toString("hex")}`);
    const forget = runRecord().addDir(path);
    try {
      // 0700, as mkdtemp makes them.
      await mkdir(path, { mode: 0o700 });
    } catch (error) {
      forget();
      // 48 random bits: a name already taken is someone else's dir, never ours to remove; try another.
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    return {
      path,
      async [Symbol.asyncDispose]() {
        await rm(path, { recursive: true, force: true });
        forget();
      },
    };
  }
}
