import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentOwner, type RunOwner } from "./owner.ts";
import { startWatchdog } from "./watchdog.ts";

/**
 * The durable half of "nothing left behind, even on SIGKILL": a state file per process listing what
 * it started outside itself (process groups with their leaders' start times, temp dirs, the ports
 * those processes bind), rewritten atomically and synchronously as they come and go, so that it is
 * right at whatever instant the process dies. Its watchdog acts on it when the process dies; the
 * next run's sweep acts on it when the watchdog could not (it was killed too: a cgroup kill, an OOM
 * kill of the whole job, a reboot). An empty record has no file: a clean exit leaves nothing.
 */

export interface RecordedGroup {
  /** Process group id: the pid of its leader, spawned detached. */
  pgid: number;
  /** The leader's start time: a later process with the same pid is not this group's leader. */
  start?: number;
  /** What it is, for the message that says what was reaped: `nginx (default)`, `backend "sut"`. */
  name: string;
  ports: number[];
}

export interface RunRecordFile {
  version: 1;
  owner: RunOwner;
  /** ISO time the record was first written. */
  startedAt: string;
  /** ISO time of the last change: the owner was alive then. */
  updatedAt: string;
  watchdog?: { pid: number; start?: number };
  groups: RecordedGroup[];
  /** Temp dirs (under the temp root, named `streamchaos-*`), recorded before they are created. */
  dirs: string[];
}

/** Where state files live: one directory per user under the temp root, private to that user. */
export function runsDir(): string {
  return join(tmpdir(), `streamchaos-runs-${process.getuid?.() ?? "user"}`);
}

export function readRecord(file: string): RunRecordFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as RunRecordFile;
    return parsed.version === 1 && typeof parsed.owner?.pid === "number" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The directory is ours and a real directory: a state file says what to kill and delete, so one
 * planted by another user (or a symlink to their directory) must never be read or written.
 */
export function usableRunsDir(dir: string, create: boolean): boolean {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = lstatSync(dir);
    return info.isDirectory() && (process.getuid === undefined || info.uid === process.getuid());
  } catch {
    return false;
  }
}

export interface RunRecordOptions {
  /** Default runsDir(). */
  dir?: string;
  /** Start the watchdog with the first resource (default true). */
  watchdog?: boolean;
}

export class RunRecord {
  readonly file: string;
  readonly #dir: string;
  readonly #watch: boolean;
  readonly #owner = currentOwner();
  readonly #groups = new Map<number, RecordedGroup>();
  readonly #dirs = new Set<string>();
  #startedAt: string | undefined;
  #watchdog: RunRecordFile["watchdog"];
  #watchdogStarted = false;
  #broken = false;

  constructor(options: RunRecordOptions = {}) {
    this.#dir = options.dir ?? runsDir();
    this.#watch = options.watchdog ?? true;
    const start = this.#owner.start ?? "x";
    this.file = join(this.#dir, `${this.#owner.pid}-${start}-${randomBytes(4).toString("hex")}.json`);
  }

  /** Records a process group; the returned function forgets it (call it once the group is gone). */
  addGroup(group: RecordedGroup): () => void {
    this.#groups.set(group.pgid, group);
    this.#write();
    return () => {
      if (this.#groups.get(group.pgid) === group && this.#groups.delete(group.pgid)) this.#write();
    };
  }

  /** Records a temp dir (before creating it); the returned function forgets it once it is removed. */
  addDir(path: string): () => void {
    this.#dirs.add(path);
    this.#write();
    return () => {
      if (this.#dirs.delete(path)) this.#write();
    };
  }

  snapshot(): RunRecordFile {
    const at = new Date().toISOString();
    return {
      version: 1,
      owner: this.#owner,
      startedAt: this.#startedAt ?? at,
      updatedAt: at,
      ...(this.#watchdog ? { watchdog: this.#watchdog } : {}),
      groups: [...this.#groups.values()],
      dirs: [...this.#dirs],
    };
  }

  #write(): void {
    if (this.#broken) return;
    try {
      if (this.#groups.size === 0 && this.#dirs.size === 0) {
        rmSync(this.file, { force: true });
        return;
      }
      if (this.#startedAt === undefined) {
        if (!usableRunsDir(this.#dir, true))
          throw new Error(`${this.#dir} is not a private directory of ours`);
        this.#startedAt = new Date().toISOString();
      }
      // Started before the first write, so that the record names it (a watchdog that outlives its
      // run is a leftover too); it reads the file only once this process is gone.
      if (this.#watch && !this.#watchdogStarted) {
        this.#watchdogStarted = true;
        this.#watchdog = startWatchdog(this.file);
      }
      const temporary = `${this.file}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.snapshot()), { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch (error) {
      // Recording is a safety net: a run goes on without it, and says so once.
      this.#broken = true;
      process.stderr.write(
        `streamchaos: cannot keep the run record ${this.file} (${error instanceof Error ? error.message : String(error)}); a run killed with SIGKILL may leave processes behind\n`,
      );
    }
  }
}

let current: RunRecord | undefined;

/** This process's record, created on first use. */
export function runRecord(): RunRecord {
  current ??= new RunRecord();
  return current;
}
