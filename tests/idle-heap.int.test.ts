import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { rawRequest } from "../fakes/testing/raw-http.ts";
import { reservePort } from "../lib/net.ts";
import { until } from "../lib/testing.ts";
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

/** The reducing collections `fake` has traced so far, as their --trace-gc lines. */
const reducingLines = (fake: StartedProcess) =>
  fake
    .logs()
    .filter((l) => REDUCING.test(l.line))
    .map((l) => l.line);

test("the standalone fake keeps its heap while idle after a burst; --shrink-when-idle lets V8 shrink it", async () => {
  const held = await tracedFake("fake (default)", []);
  await using _held = held.fake;
  const shrinking = await tracedFake("fake --shrink-when-idle", ["--shrink-when-idle"]);
  await using _shrinking = shrinking.fake;
  await Promise.all([burst(held.url), burst(shrinking.url)]);
  const idleFrom = Date.now();
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
  // And it still serves after the idle spell.
  const again = await rawRequest(held.url, { path: "/v1/chat/completions", body: { stream: true } });
  expect(again.complete).toBe(true);
}, 120_000);
