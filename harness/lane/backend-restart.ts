import type { BackendRestart } from "../results.ts";
import { type BackendDeath, lastLines } from "./running-backend.ts";

/**
 * How long a scenario's window stays open after its last request ended. A backend that reacts to a
 * cut stream by dying does so on its next write or cleanup timer, tens of ms later; 150 ms covers
 * that with room for a loaded machine. The journal, the hops and the follow-up are read inside it,
 * so a scenario waits only what they leave of it (a crash is seen at once: a process's exit ends the
 * wait). A death after it is found before the next scenario starts.
 */
export const CRASH_WINDOW_MS = 150;

/** The death of a backend as the result of the scenario it is attributed to carries it. */
export function restartRecord(
  death: BackendDeath,
  noticed: BackendRestart["noticed"],
  restarted: boolean,
): BackendRestart {
  return {
    exit: death.exit ? { code: death.exit.code, signal: death.exit.signal } : null,
    t: death.exit?.t ?? death.noticedAt,
    lastLines: lastLines(death.logs),
    noticed,
    restarted,
  };
}
