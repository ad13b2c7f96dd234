import type { EdgeLogLine, StartedEdge } from "../edge.ts";

/** Waits (event-style polling, no fixed sleep) until the edge logged a matching line. */
export async function waitForEdgeLog(
  edge: StartedEdge,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<EdgeLogLine> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const hit = edge.logs().find((l) => pattern.test(l.line));
    if (hit) return hit;
    if (performance.now() > deadline) {
      const tail = edge
        .logs()
        .slice(-10)
        .map((l) => `${l.source}: ${l.line}`)
        .join("\n");
      throw new Error(`${edge.name} did not log ${pattern} within ${timeoutMs}ms; last lines:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
