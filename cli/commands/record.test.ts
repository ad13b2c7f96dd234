import { writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCassette, startFakeProvider } from "../../fakes/index.ts";
import { rawRequest } from "../../fakes/testing/raw-http.ts";
import { reservePort } from "../../lib/net.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { captureOutput, until } from "../../lib/testing.ts";
import { main } from "../main.ts";

async function runRecord(args: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(["record", ...args], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stopSignal: new AbortController().signal,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("streamchaos record", () => {
  it("prints where to point the backend, saves each exchange, and stops on the signal", async () => {
    await using out = await makeTempDir("record-cli");
    await using fake = await startFakeProvider({ script: { content: { text: "Hi" } } });
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["record", "--target", fake.url, "--out", out.path], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    const url = /record: (http:\/\/127\.0\.0\.1:\d+) → /.exec(stdout.text())![1]!;
    expect(stdout.text()).toMatch(new RegExp(`OPENAI_BASE_URL=${url}/v1 +openai, openai-responses\n`));
    expect(stdout.text()).toMatch(new RegExp(`ANTHROPIC_BASE_URL=${url} +anthropic\n`));
    expect(stdout.text()).toMatch(new RegExp(`OPENAI_BASE_URL=${url}/api/v1 +openrouter\n`));
    expect(stdout.text()).toMatch(new RegExp(`OLLAMA_HOST=${url} +ollama\n`));
    await rawRequest(url, { path: "/api/chat", body: {} });
    await until(() => stdout.text().includes("  saved "));
    const file = join(out.path, "001-ollama-api-chat.cassette.json");
    expect(stdout.text()).toContain(`saved ${file}  POST /api/chat → 200, `);
    expect((await loadCassette(file)).provider).toBe("ollama");
    stop.abort();
    expect(await exit).toBe(0);
    expect(stdout.text()).toContain(`record: stopped; 1 cassette(s) in ${out.path}`);
  });

  it("--provider narrows the URLs printed; a target's path prefix leaves out the providers it cannot serve", async () => {
    await using out = await makeTempDir("record-cli");
    await using fake = await startFakeProvider();
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["record", "--target", `${fake.url}/v1`, "--out", out.path, "--provider", "openai"], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    expect(stdout.text()).toMatch(/OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+ +openai\n/);
    expect(stdout.text()).not.toContain("ANTHROPIC");
    stop.abort();
    expect(await exit).toBe(0);
  });

  it("--help lists each flag with its default and an example", async () => {
    const { code, stdout } = await runRecord(["--help"]);
    expect(code).toBe(0);
    for (const flag of ["--target URL", "--out DIR", "--port N", "--host ADDR", "--provider NAME"]) {
      expect(stdout).toContain(`  ${flag}`);
    }
    expect(stdout).toContain("(default: 0)");
    expect(stdout).toContain("(default: 127.0.0.1)");
    expect(stdout).toContain("e.g. --target https://api.openai.com");
  });
});

describe("streamchaos record: bad input exits 2 with what, why and the fix", () => {
  it("a target nothing listens on", async () => {
    await using out = await makeTempDir("record-cli");
    const port = await reservePort();
    const r = await runRecord(["--target", `http://127.0.0.1:${port}`, "--out", out.path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error[RECORD_TARGET_UNREACHABLE]: Cannot reach the target http://127.0.0.1:${port}/`,
    );
    expect(r.stderr).toContain(`why: ECONNREFUSED: nothing listens on 127.0.0.1:${port}`);
    expect(r.stderr).toContain("fix: Check the URL and that the provider is up");
  });

  it("a target that is not HTTP", async () => {
    await using out = await makeTempDir("record-cli");
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.end("SSH-2.0-OpenSSH_9.6\r\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await runRecord(["--target", `http://127.0.0.1:${port}`, "--out", out.path]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("error[RECORD_TARGET_NOT_HTTP]: The target");
      expect(r.stderr).toContain('why: its answer is not an HTTP response (it sent "SSH-2.0-OpenSSH_9.6');
      expect(r.stderr).toContain("fix: Point --target at the provider's HTTP base URL");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("an output folder that cannot be written", async () => {
    await using tmp = await makeTempDir("record-cli");
    await using fake = await startFakeProvider();
    const file = join(tmp.path, "not-a-dir");
    await writeFile(file, "");
    const r = await runRecord(["--target", fake.url, "--out", join(file, "cassettes")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error[CASSETTE_DIR_NOT_WRITABLE]: Cannot write cassettes to ${join(file, "cassettes")}`,
    );
    expect(r.stderr).toContain("why: ENOTDIR");
    expect(r.stderr).toContain("fix: Pass --out a folder you can write to");
  });

  it("missing or malformed flags", async () => {
    const missing = await runRecord(["--out", "x"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error[CLI_USAGE]: Missing --target");
    const noOut = await runRecord(["--target", "http://127.0.0.1:1"]);
    expect(noOut.stderr).toContain("error[CLI_USAGE]: Missing --out");
    const url = await runRecord(["--target", "api.openai.com", "--out", "x"]);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('error[RECORD_BAD_TARGET]: Invalid target "api.openai.com"');
    const provider = await runRecord(["--target", "http://127.0.0.1:1", "--out", "x", "--provider", "bard"]);
    expect(provider.stderr).toContain('error[CLI_UNKNOWN_PROVIDER]: Unknown provider "bard"');
    const port = await runRecord(["--target", "http://127.0.0.1:1", "--out", "x", "--port", "99999"]);
    expect(port.stderr).toContain('Invalid --port "99999"');
  });
});
