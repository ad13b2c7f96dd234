import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { captureOutput } from "../lib/testing.ts";
import { main } from "./main.ts";

/** Each kind of bad input `streamchaos run` names: a clear message, exit 2, nothing left running. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-cli-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runWith(
  config: unknown,
  extra: string[] = [],
): Promise<{ code: number; stderr: string; stdout: string }> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(config));
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(
    ["run", "--config", file, "--reporter", "json", "--out", join(dir, "out"), ...extra],
    { stdout: stdout.stream, stderr: stderr.stream },
  );
  return { code, stderr: stderr.text(), stdout: stdout.text() };
}

const nodeBackend = (script: string, extra: Record<string, unknown> = {}) => ({
  name: "sut",
  command: [process.execPath, "-e", script],
  env: { PORT: "{{port}}" },
  provider: "openai",
  contract: "openai-relay",
  readyTimeoutMs: 1500,
  ...extra,
});

describe("streamchaos run: bad input exits 2 with what, why and how to fix", () => {
  test("an unknown scenario id names it and lists similar ids", async () => {
    const result = await runWith({ backends: [nodeBackend("")] }, ["--scenario", "pre-999-nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No scenario matches "pre-999-nope"');
    expect(result.stderr).toMatch(/similar ids: .*pre-401-invalid-key/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test("a backend command that exits shows its exit code and last log lines", async () => {
    const result = await runWith(
      { backends: [nodeBackend("console.error('boom: missing OPENAI_API_KEY'); process.exit(3)")] },
      ["--scenario", "happy-path"],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/exited with code 3/);
    expect(result.stderr).toContain("boom: missing OPENAI_API_KEY");
  });

  test("a backend that never becomes ready shows the deadline and its last log lines", async () => {
    const result = await runWith(
      { backends: [nodeBackend("console.log('warming up the model cache'); setInterval(() => {}, 1000)")] },
      ["--scenario", "happy-path"],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/1500\s?ms/);
    expect(result.stderr).toContain("warming up the model cache");
  });

  describe("a port already taken", () => {
    let blocker: Server;
    let port: number;
    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
      port = (blocker.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    test("a backend bound to a fixed, busy port is reported as such", async () => {
      const script = "require('http').createServer().listen(Number(process.env.PORT), '127.0.0.1')";
      const result = await runWith({ backends: [nodeBackend(script, { env: { PORT: String(port) } })] }, [
        "--scenario",
        "happy-path",
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/EADDRINUSE|already in use|in use/i);
      expect(result.stderr).toContain(String(port));
    });

    test("a providerPort someone holds names the port, the holder and the fix", async () => {
      const result = await runWith(
        {
          backends: [
            { ...nodeBackend(""), command: undefined, url: "http://127.0.0.1:9", providerPort: port },
          ],
        },
        ["--scenario", "happy-path"],
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error[PORT_IN_USE]: Cannot listen on the providerPort of backend "sut": 127.0.0.1:${port} is already in use`,
      );
      // The blocker is this test process.
      expect(result.stderr).toContain(`why: held by pid ${process.pid} (`);
      expect(result.stderr).toContain(
        `fix: Free it (stop pid ${process.pid}), or point the backend's provider base URL at a free port and set providerPort to that port.`,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });

  test("an invalid contract names the key and the presets", async () => {
    const result = await runWith({ backends: [nodeBackend("", { contract: "grpc-stream" })] });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown contract "grpc-stream" at backends[0].contract');
    expect(result.stderr).toContain("openai-relay");
  });

  test("an unknown config key is named with its path", async () => {
    const result = await runWith({ backends: [nodeBackend("", { healthpath: "/health" })] });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/backends\[0\].*healthpath/);
  });

  test("a config file that does not exist", async () => {
    const stderr = captureOutput();
    const code = await main(["run", "--config", join(dir, "missing.config.ts")], {
      stdout: captureOutput().stream,
      stderr: stderr.stream,
    });
    expect(code).toBe(2);
    expect(stderr.text()).toContain("Cannot read config");
  });

  describe("an --out that cannot take the reports fails before anything starts", () => {
    // The backend leaves a mark when it starts: a bad --out must cost nothing but the message.
    const marker = () => join(dir, `started-${Math.random().toString(36).slice(2)}`);
    const marking = (file: string) =>
      nodeBackend(
        `require('fs').writeFileSync(${JSON.stringify(file)}, 'x'); require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`,
      );
    const runOut = async (out: string) => {
      const file = marker();
      const config = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(config, JSON.stringify({ backends: [marking(file)] }));
      const stderr = captureOutput();
      const code = await main(
        ["run", "--config", config, "--reporter", "console,json", "--out", out, "--scenario", "happy-path"],
        { stdout: captureOutput().stream, stderr: stderr.stream },
      );
      return { code, stderr: stderr.text(), started: existsSync(file) };
    };

    test("a file", async () => {
      const file = join(dir, "not-a-folder.txt");
      await writeFile(file, "");
      const result = await runOut(file);
      expect(result).toMatchObject({ code: 2, started: false });
      expect(result.stderr).toContain("REPORT_OUT_NOT_A_FOLDER");
      expect(result.stderr).toContain(`${file} is a file`);
      expect(result.stderr).toContain("fix: Pass --out a folder");
    });

    test("a folder under a file", async () => {
      const file = join(dir, "also-a-file.txt");
      await writeFile(file, "");
      const result = await runOut(join(file, "report"));
      expect(result).toMatchObject({ code: 2, started: false });
      expect(result.stderr).toContain(`${file} is a file`);
    });

    test("under /proc", async () => {
      const result = await runOut("/proc/streamchaos-report");
      expect(result).toMatchObject({ code: 2, started: false });
      expect(result.stderr).toMatch(/REPORT_OUT_UNWRITABLE.*\n.*virtual filesystem/);
    });
  });

  test("an unknown reporter and a bad --lanes", async () => {
    expect((await runWith({ backends: [nodeBackend("")] }, ["--reporter", "tap"])).stderr).toContain(
      'Unknown reporter "tap"',
    );
    const lanes = await runWith({ backends: [nodeBackend("")] }, ["--lanes", "0"]);
    expect(lanes.code).toBe(2);
    expect(lanes.stderr).toContain('Invalid --lanes "0"');
  });
});
