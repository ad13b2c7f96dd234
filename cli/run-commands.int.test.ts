import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readStat } from "../lib/proc.ts";
import { makeTempDir, type TempDir } from "../lib/tempdir.ts";
import { captureOutput } from "../lib/testing.ts";
import { main } from "./main.ts";

/**
 * A backend's string command runs as `/bin/sh -c` of exactly that string, as a person would type it:
 * a `cd` first, several commands in a row, an explicit exit code. Stopping it stops everything the
 * shell started (the process group), and a failure reports the shell's own code and stderr.
 */

let dir: TempDir;
beforeAll(async () => {
  dir = await makeTempDir("run-commands-test");
  await mkdir(join(dir.path, "app"));
  // Records its pid so the test can tell it was stopped with the run.
  await writeFile(
    join(dir.path, "app", "server.js"),
    [
      `require("node:fs").writeFileSync(process.env.PID_FILE, String(process.pid));`,
      // Relays the contract's request to the fake provider: the run's smoke exchange checks it arrives.
      `require("node:http").createServer(async (req, res) => {`,
      `  if (req.url === "/health") return res.end("ok");`,
      `  let body = ""; for await (const chunk of req) body += chunk;`,
      `  const up = await fetch(process.env.PROVIDER_URL + "/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body });`,
      `  res.writeHead(up.status, { "content-type": "text/event-stream" });`,
      `  for await (const chunk of up.body) res.write(chunk);`,
      `  res.end();`,
      `}).listen(Number(process.env.PORT), "127.0.0.1");`,
    ].join("\n"),
  );
});
afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

async function runCommand(command: string, pidFile: string) {
  const file = join(dir.path, `config-${Math.random().toString(36).slice(2)}.json`);
  const backend = {
    name: "sut",
    command,
    cwd: dir.path,
    env: { PORT: "{{port}}", PID_FILE: pidFile, PROVIDER_URL: "{{provider.url}}" },
    provider: "openai",
    contract: "openai-relay",
    readyTimeoutMs: 10_000,
  };
  await writeFile(file, JSON.stringify({ backends: [backend], lanes: 1 }));
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(
    [
      "run",
      "--config",
      file,
      "--scenario",
      "happy-path",
      "--reporter",
      "json",
      "--out",
      join(dir.path, "out"),
    ],
    { stdout: stdout.stream, stderr: stderr.stream },
  );
  return { code, stderr: stderr.text() };
}

/** Once the run returned, every process it started is gone (a stop waits for the whole group). */
async function stoppedWithTheRun(pidFile: string): Promise<void> {
  const pid = Number(await readFile(pidFile, "utf8"));
  expect([undefined, "Z"], `server.js (pid ${pid})`).toContain(readStat(pid)?.state);
}

describe("a backend's string command runs as written", () => {
  test("`cd app && node server.js` starts in app/ and is stopped with the run", async () => {
    const pidFile = join(dir.path, "cd.pid");
    const result = await runCommand("cd app && node server.js", pidFile);
    // The stub answers "ok" rather than a stream: the scenario's verdict is not the point here.
    expect(result.stderr).not.toMatch(/error\[/);
    expect([0, 1]).toContain(result.code);
    await stoppedWithTheRun(pidFile);
  });

  test("`a; b`: the shell runs both, and stopping it stops the second one too", async () => {
    const pidFile = join(dir.path, "seq.pid");
    const result = await runCommand("echo warming up; node app/server.js", pidFile);
    expect(result.stderr).not.toMatch(/error\[/);
    expect([0, 1]).toContain(result.code);
    await stoppedWithTheRun(pidFile);
  });

  test("`a; b; exit 3` is reported as exit code 3 with the lines it wrote to stderr", async () => {
    const result = await runCommand(
      "echo 'boom: no API key' >&2; echo 'giving up' >&2; exit 3",
      join(dir.path, "never.pid"),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/exited with code 3 before it became ready/);
    expect(result.stderr).toContain("boom: no API key");
    expect(result.stderr).toContain("giving up");
  });
});
