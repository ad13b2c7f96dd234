import type { ScenarioResult } from "../../harness/results.ts";
import { formatDuration } from "./text.ts";

/** The results that carry a backend restart, in run order. */
export function restarts(results: readonly ScenarioResult[]): ScenarioResult[] {
  return results.filter((result) => result.backendRestart);
}

/**
 * One line on a backend's death for people: how it ended, when relative to the scenario it is
 * attributed to, and whether it came back. Undefined when the backend did not die.
 */
export function describeRestart(result: ScenarioResult): string | undefined {
  const restart = result.backendRestart;
  if (!restart) return undefined;
  const exit = restart.exit;
  const how = !exit
    ? "exit unknown"
    : exit.code !== null
      ? `exit code ${exit.code}`
      : `signal ${exit.signal}`;
  const when =
    restart.noticed === "in-window"
      ? `${formatDuration(restart.t - result.startedAt)} into this scenario`
      : "before this scenario started, after the previous one's window";
  const after = restart.restarted
    ? "restarted before the next scenario"
    : "it did not start again, so its remaining scenarios did not run";
  return `the backend died (${how}) ${when}; ${after}`;
}

/** The dead backend's last lines worth quoting: the final `count`, blank ones dropped. */
export function restartLines(result: ScenarioResult, count = 6): string[] {
  return (result.backendRestart?.lastLines ?? []).filter((line) => line.trim() !== "").slice(-count);
}
