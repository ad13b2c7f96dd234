import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import {
  chromiumAvailable,
  chromiumProcessesFor,
  chromiumSingletonDir,
} from "../harness/probe/browser/chromium.ts";
import { runSuite } from "../harness/runner.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";
import { startTinyRelay } from "./testing/tiny-relay.ts";

/**
 * A Ctrl-C while the browser client's request hangs: the page aborts it at once, the run ends
 * `interrupted` without waiting for the request's own timeouts (8 s idle here), and the run's
 * Chromium, every helper process of it and its profile dir are gone.
 */
const chromium = await chromiumAvailable();
const nginxReady = (await nginxEdge.available()).ok;

/** The Chromium this process started: its user-data-dir, from the command line of our child. */
function ourChromiumProfile(): string | undefined {
  for (const entry of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const dir = args.find((a) => a.startsWith("--user-data-dir="));
      if (dir && args.includes("--remote-debugging-port=0")) return dir.slice("--user-data-dir=".length);
    } catch {
      // Gone while read.
    }
  }
  return undefined;
}

describe.skipIf(!chromium.ok || !nginxReady)("Ctrl-C with the browser client", () => {
  test("a hanging browser request is aborted at once and Chromium is torn down", async () => {
    const controller = new AbortController();
    let profile: string | undefined;
    let singleton: Promise<string | undefined> = Promise.resolve(undefined);
    let abortedAt = 0;
    await using relay = await startTinyRelay({
      framing: "sse",
      onMessage: (message) => {
        // The scenario's own request (not the smoke exchange's) is in the backend: Ctrl-C now.
        if (!message.includes("provider-hangs") || controller.signal.aborted) return;
        profile = ourChromiumProfile();
        if (profile !== undefined) singleton = chromiumSingletonDir(profile);
        abortedAt = performance.now();
        controller.abort("SIGINT received");
      },
    });
    const config = resolveConfig(
      {
        backends: [
          {
            name: "relay",
            url: relay.url,
            providerPort: relay.providerPort,
            provider: "openai",
            contract: { preset: "openai-relay", path: "/chat" },
          },
        ],
        edges: [{ edge: "nginx", profile: "sse-tuned" }],
        clients: ["browser"],
        // The fake holds its headers for 10 s and the relay has no bound: only the page's 8 s idle
        // timeout would end the request.
        scenarios: ["provider-hangs"],
        lanes: 1,
      },
      "browser interrupt test",
    );
    const run = await runSuite({ config, reporters: [], signal: controller.signal });
    const tookMs = performance.now() - abortedAt;
    expect(abortedAt, "the scenario's request never reached the relay").toBeGreaterThan(0);
    expect(run.results.map((r) => r.status)).toEqual(["interrupted"]);
    // Before the page had a signal this was the 8 s idle timeout; now a round trip and the teardown.
    expect(tookMs).toBeLessThan(5_000);
    expect(profile, "the run's Chromium was not found among our children").toBeDefined();
    expect(await chromiumProcessesFor(profile!)).toEqual([]);
    expect(() => readdirSync(profile!)).toThrow(/ENOENT/);
    // Chromium's lock socket lives outside the profile, in a dir of its own under /tmp.
    const socketDir = await singleton;
    expect(socketDir, "no SingletonSocket link in the profile while Chromium ran").toBeDefined();
    expect(() => readdirSync(socketDir!)).toThrow(/ENOENT/);
  }, 60_000);
});
