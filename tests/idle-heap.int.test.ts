import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { rawRequest } from "../fakes/testing/raw-http.ts";
import { reservePort } from "../lib/net.ts";
import { until } from "../lib/testing.ts";
import { runCommand } from "../runtime/process/run-command.ts";
import { startProcess } from "../runtime/process/start-process.ts";
import type { StartedProcess } from "../runtime/process/started-process.ts";
import { Wait } from "../runtime/wait/wait.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** How V8's --trace-gc marks a collection started to shrink the heap (the memory reducer's). */
const REDUCING = /(Mark-Compact|Scavenge) \(reduce\)/;

async function tracedFake(name: string, extra: string[]): Promise<{ fake: StartedProcess; url: string }> {
  const port = await reservePort();
  const fake = await startProcess({
    name,
    command: process.execPath,
    args: [
      "--trace-gc",
      "--trace-gc-verbose",
      "bin/streamchaos.mjs",
      "fake",
      "--provider",
      "openai",
      "--port",
      String(port),
      ...extra,
    ],
    cwd: ROOT,
    readiness: Wait.forLogLine("Ctrl-C stops it").withTimeout(30_000),
  });
  return { fake, url: `http://127.0.0.1:${port}` };
}

/**
 * A burst whose requests the journal keeps (~24 MB of bodies), so the heap grows through full
 * collections: what arms V8's memory reducer for a few seconds after the burst ends.
 */
async function burst(url: string): Promise<void> {
  const body = { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x".repeat(400_000) }] };
  for (let wave = 0; wave < 6; wave++) {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        rawRequest(url, { path: "/v1/chat/completions", body, timeoutMs: 20_000 }),
      ),
    );
    expect(answers.every((a) => a.complete)).toBe(true);
  }
}

/** What --trace-gc-verbose prints of the new space after each collection. */
const NEW_SPACE = /New space,.*committed:\s+(\d+) KB/;

/** The new space's committed KB after each collection `fake` traced, from its log line `from` on. */
const newSpaceCommitted = (fake: StartedProcess, from = 0) =>
  fake
    .logs()
    .slice(from)
    .flatMap((l) => {
      const kb = NEW_SPACE.exec(l.line)?.[1];
      return kb === undefined ? [] : [Number(kb)];
    });

/** The reducing collections `fake` has traced so far, as their --trace-gc lines. */
const reducingLines = (fake: StartedProcess) =>
  fake
    .logs()
    .filter((l) => REDUCING.test(l.line))
    .map((l) => l.line);

test("the standalone fake keeps its heap, young generation included, while idle after a burst; --shrink-when-idle lets V8 shrink it", async () => {
  const held = await tracedFake("fake (default)", []);
  await using _held = held.fake;
  const shrinking = await tracedFake("fake --shrink-when-idle", ["--shrink-when-idle"]);
  await using _shrinking = shrinking.fake;
  await Promise.all([burst(held.url), burst(shrinking.url)]);
  const idleFrom = Date.now();
  const heldLinesAtIdle = held.fake.logs().length;
  const heldNewSpace = newSpaceCommitted(held.fake).at(-1);
  // The reducer's first collection comes ~8 s after the burst's last full one. Without it in the
  // control, the test could not apply: it fails rather than pass on the held fake's silence.
  await until(
    () => reducingLines(shrinking.fake).length > 0,
    60_000,
    "a reducing collection in the --shrink-when-idle fake",
  );
  const shrankAfter = Date.now() - idleFrom;
  // Both went idle together; the held one is given as long again as the control took.
  await sleep(shrankAfter);
  expect(reducingLines(held.fake)).toEqual([]);
  // Its young generation too: while idle it allocates just enough (~32 MB over the >= 16 s here,
  // twice a 16 MB semi-space, so scavenges ran) for V8 to keep the new space at its size.
  const idleNewSpace = newSpaceCommitted(held.fake, heldLinesAtIdle);
  expect(heldNewSpace).toBeDefined();
  expect(idleNewSpace.length).toBeGreaterThan(0);
  expect(Math.min(...idleNewSpace)).toBeGreaterThanOrEqual(heldNewSpace!);
  // And it still serves after the idle spell.
  const again = await rawRequest(held.url, { path: "/v1/chat/completions", body: { stream: true } });
  expect(again.complete).toBe(true);
}, 120_000);

async function youngGeneration(mode: "keep" | "control") {
  const child = await runCommand(
    process.execPath,
    ["--max-semi-space-size=4", "--import", "tsx", "tests/testing/young-generation-idle.ts", mode, "7000"],
    { cwd: ROOT, timeoutMs: 60_000 },
  );
  if (child.code !== 0)
    throw new Error(`young-generation-idle.ts ${mode} failed:\n${child.stdout}${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
    grown: number;
    after: number;
    scavenged: boolean;
  };
}

test("idle after a burst, the hold keeps V8's new space at its size through the next burst's first scavenge", async () => {
  const [keep, control] = await Promise.all([youngGeneration("keep"), youngGeneration("control")]);
  // Without a scavenge after the idle, or a new space that never grew, the test could not apply.
  expect(keep.scavenged && control.scavenged).toBe(true);
  expect(control.grown).toBe(8 * 1024 * 1024);
  // V8's own rule at work in the control: the idle's rate read as low, the new space given back.
  expect(control.after).toBeLessThan(control.grown);
  expect(keep.after).toBeGreaterThanOrEqual(keep.grown);
}, 120_000);
