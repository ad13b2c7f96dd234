import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cassetteBody, cassetteEvents, loadCassette, startFakeProvider } from "../fakes/index.ts";
import { rawRequest } from "../fakes/testing/raw-http.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { until } from "../lib/testing.ts";

const BIN = fileURLToPath(new URL("../bin/streamchaos.mjs", import.meta.url));

describe("streamchaos record, run as the user runs it", () => {
  it("Ctrl-C mid-stream leaves a valid cassette of what streamed, marked cut short", async () => {
    await using out = await makeTempDir("record-sigint");
    await using fake = await startFakeProvider({
      script: {
        content: { tokens: Array.from({ length: 40 }, (_, i) => ` t${i}`) },
        pacing: { intervalMs: 100 },
      },
    });
    // Without VITEST the CLI installs its real Ctrl-C handling, as in a terminal.
    const { VITEST: _, ...env } = process.env;
    const child = spawn(process.execPath, [BIN, "record", "--target", fake.url, "--out", out.path], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      await until(() => stdout.includes("Ctrl-C"), 15_000, "the recorder's banner");
      const url = /record: (http:\/\/\S+) → /.exec(stdout)![1]!;
      const response = rawRequest(url, {
        path: "/v1/chat/completions",
        body: { stream: true },
        timeoutMs: 15_000,
      });
      // The journal wakes waiters at the headers, the first token and the end, not per write: poll.
      await until(() => (fake.journal()[0]?.events.length ?? 0) >= 4, 10_000, "4 upstream writes");
      child.kill("SIGINT");
      const exit = await exited;
      // The process-wide Ctrl-C handler exits 130 once everything is cleaned up; 0 if the command
      // got there first. Either way it exited on its own, not killed by the signal.
      expect(exit.signal).toBeNull();
      expect([0, 130]).toContain(exit.code);
      expect(stderr).toContain("SIGINT received");
      expect(stdout).toMatch(
        /saved \S+001-openai-v1-chat-completions\.cassette\.json {2}POST \/v1\/chat\/completions → 200, \d+ writes, \d+ bytes, cut-short/,
      );

      const r = await response;
      expect(r.status).toBe(200);
      expect(r.complete).toBe(false);
      const files = (await readdir(out.path)).filter((f) => !f.startsWith("."));
      expect(files).toEqual(["001-openai-v1-chat-completions.cassette.json"]);
      const cassette = await loadCassette(join(out.path, files[0]!));
      expect(cassette.end.how).toBe("cut-short");
      expect(cassette.response!.writes.length).toBeGreaterThanOrEqual(4);
      // The client got exactly what the cassette holds: nothing relayed after the cut.
      expect(cassetteBody(cassette).bytes.equals(r.body)).toBe(true);
      expect(cassetteEvents(cassette).events.every((e) => e.complete)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    }
  });
});
