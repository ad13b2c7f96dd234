import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cassetteWith } from "../../fakes/cassettes/testing/build.ts";
import { rawRequest } from "../../fakes/testing/raw-http.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { captureOutput, exposedAddress, until } from "../../lib/testing.ts";
import { tryConnect } from "../../proxies/toxiproxy/test-support.ts";
import { main } from "../main.ts";

const REPLAYED_BODY =
  'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\ndata: [DONE]\n\n';
const replayed = cassetteWith([
  [2, REPLAYED_BODY.slice(0, 60)],
  [3, REPLAYED_BODY.slice(60, -14)],
  [4, "data: [DONE]\n\n"],
]);

async function runFake(args: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(["fake", ...args], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stopSignal: new AbortController().signal,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("streamchaos fake", () => {
  it("prints the base URLs and admin URL, serves the script, and stops on the signal", async () => {
    await using dir = await makeTempDir("fake-cli");
    const file = join(dir.path, "script.json");
    await writeFile(file, JSON.stringify({ content: { text: "from the file" } }));
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["fake", "--provider", "anthropic", "--port", "0", "--script", file], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    const url = /listening on (http:\/\/\S+)/.exec(stdout.text())![1]!;
    const admin = /admin API always on (http:\/\/\S+)\/__streamchaos\//.exec(stdout.text())![1]!;
    expect(stdout.text()).toContain(`anthropic         base URL ${url}`);
    expect(stdout.text()).not.toContain("openrouter");
    const r = await rawRequest(url, { path: "/v1/messages", body: { stream: true } });
    expect(r.body.toString()).toContain('"text":" file"');
    expect((await fetch(`${admin}/__streamchaos/health`)).status).toBe(200);
    stop.abort();
    expect(await exit).toBe(0);
    expect(stdout.text()).toContain("fake: stopped");
    await expect(fetch(`${admin}/__streamchaos/health`)).rejects.toThrow();
  });

  it("--provider all (default) lists every provider's base URL", async () => {
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["fake"], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    for (const p of ["openai", "openai-responses", "anthropic", "gemini", "openrouter", "ollama"]) {
      expect(stdout.text()).toMatch(new RegExp(`  ${p} +base URL http://127\\.0\\.0\\.1:\\d+`));
    }
    expect(stdout.text()).toMatch(/openrouter +base URL http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
    stop.abort();
    expect(await exit).toBe(0);
  });

  it("exits 2 on an unknown provider, naming the allowed ones", async () => {
    const r = await runFake(["--provider", "bard"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[FAKE_UNKNOWN_PROVIDER]: Unknown provider "bard"');
    expect(r.stderr).toContain("openai, openai-responses, anthropic, gemini, openrouter, ollama");
  });

  it("exits 2 on an invalid script file, naming the bad field", async () => {
    await using dir = await makeTempDir("fake-cli");
    const file = join(dir.path, "bad.json");
    await writeFile(file, JSON.stringify({ faults: [{ fault: "http-error", status: "500" }] }));
    const r = await runFake(["--script", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[FAKE_INVALID_SCRIPT]: Invalid script file ${file}`);
    expect(r.stderr).toMatch(/why: faults\[0\]\.status: .*expected number/);
  });

  it("exits 2 on each kind of bad script: unknown fault, unknown key, bad placement", async () => {
    await using dir = await makeTempDir("fake-cli");
    const cases: Array<[unknown, string]> = [
      [{ faults: [{ fault: "explode" }] }, 'faults[0].fault: unknown fault "explode"; allowed: http-error'],
      [{ contnet: { text: "x" } }, 'contnet: unknown key "contnet"'],
      [
        { faults: [{ fault: "rst", at: { phase: "pre-stream" } }] },
        'faults[0].at: rst cannot be placed at {"phase":"pre-stream"}',
      ],
    ];
    for (const [i, [script, message]] of cases.entries()) {
      const file = join(dir.path, `bad-${i}.json`);
      await writeFile(file, JSON.stringify(script));
      const r = await runFake(["--script", file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it("exits 2 on a script file that is not JSON or does not exist", async () => {
    await using dir = await makeTempDir("fake-cli");
    const file = join(dir.path, "broken.json");
    await writeFile(file, "{ not json");
    const broken = await runFake(["--script", file]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("is not JSON");
    const missing = await runFake(["--script", join(dir.path, "nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error[FAKE_SCRIPT_UNREADABLE]");
  });

  it("replays a cassette named beside the script file", async () => {
    await using dir = await makeTempDir("fake-cli");
    await writeFile(join(dir.path, "rec.cassette.json"), JSON.stringify(replayed));
    const file = join(dir.path, "script.json");
    await writeFile(file, JSON.stringify({ content: { cassette: "rec.cassette.json" } }));
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["fake", "--script", file], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    const url = /listening on (http:\/\/\S+)/.exec(stdout.text())![1]!;
    const r = await rawRequest(url, { path: "/v1/chat/completions", body: { stream: true } });
    expect(r.body.toString()).toBe(REPLAYED_BODY);
    stop.abort();
    expect(await exit).toBe(0);
  });

  it("exits 2 with a fix on a cassette that is missing, corrupt, of an unknown version, or cut beyond its size", async () => {
    await using dir = await makeTempDir("fake-cli");
    await writeFile(join(dir.path, "ok.cassette.json"), JSON.stringify(replayed));
    await writeFile(join(dir.path, "corrupt.cassette.json"), JSON.stringify(replayed).slice(0, 80));
    await writeFile(join(dir.path, "v2.cassette.json"), JSON.stringify({ ...replayed, version: 2 }));
    const cases: Array<[unknown, RegExp, RegExp]> = [
      [
        { content: { cassette: "gone.cassette.json" } },
        /error\[FAKE_INVALID_CASSETTE\].*\n.*Cannot read the cassette .*gone\.cassette\.json: no such file/,
        /fix: .*cassette/,
      ],
      [{ content: { cassette: "corrupt.cassette.json" } }, /is not valid JSON/, /record it again/],
      [
        { content: { cassette: "v2.cassette.json" } },
        /unknown version: version is 2/,
        /Re-record or upgrade/,
      ],
      [
        { content: { cassette: "ok.cassette.json" }, faults: [{ fault: "rst", at: { byte: 7000 } }] },
        /faults\[0\]\.at: byte 7000 is beyond the recording, which has 93 body bytes, 2 events \(1 text delta\), 3 ms after the headers; place it at byte 93 at most/,
        /fix: Place the step inside the recording: `streamchaos cassette show FILE` lists/,
      ],
      [
        { content: { cassette: "ok.cassette.json" }, faults: [{ fault: "fin", at: { event: 12 } }] },
        /faults\[0\]\.at: event 12 is beyond the recording, which has 93 body bytes, 2 events .*; events are numbered 0 to 1/,
        /fix: Place the step inside the recording/,
      ],
    ];
    for (const [i, [script, what, fix]] of cases.entries()) {
      const file = join(dir.path, `script-${i}.json`);
      await writeFile(file, JSON.stringify(script));
      const r = await runFake(["--script", file]);
      expect(r.code, JSON.stringify(script)).toBe(2);
      expect(r.stderr).toMatch(what);
      expect(r.stderr).toMatch(fix);
    }
  });

  it("exits 2 on a --journal-limit that keeps nothing or is not a number", async () => {
    for (const bad of ["0", "-1", "1.5", "lots", ""]) {
      const r = await runFake([`--journal-limit=${bad}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error[CLI_USAGE]: Invalid --journal-limit "${bad}"`);
      expect(r.stderr).toContain("--journal-limit 100000");
    }
  });

  it("says how many finished requests the journal keeps", async () => {
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["fake", "--port", "0", "--journal-limit", "7"], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    expect(stdout.text()).toMatch(
      /journal: GET http:\/\/\S+\/__streamchaos\/journal, the last 7 finished requests/,
    );
    stop.abort();
    expect(await exit).toBe(0);
  });

  describe("loopback by default", () => {
    async function startFake(args: string[]) {
      const stdout = captureOutput();
      const stderr = captureOutput();
      const stop = new AbortController();
      const exit = main(["fake", ...args], {
        stdout: stdout.stream,
        stderr: stderr.stream,
        stopSignal: stop.signal,
      });
      await until(() => stdout.text().includes("Ctrl-C"));
      const url = /listening on (http:\/\/\S+)/.exec(stdout.text())![1]!;
      const admin = /admin API (?:\S+ )*on (http:\/\/\S+)\/__streamchaos\//.exec(stdout.text())![1]!;
      const port = (origin: string) => Number(new URL(origin).port);
      return {
        stdout,
        stderr,
        port: port(url),
        adminPort: port(admin),
        admin,
        [Symbol.asyncDispose]: async () => {
          stop.abort();
          expect(await exit).toBe(0);
        },
      };
    }
    const address = exposedAddress();

    it("--host 0.0.0.0 exposes the provider routes, not the admin API", async () => {
      await using fake = await startFake(["--host", "0.0.0.0"]);
      expect(new URL(fake.admin).hostname).toBe("127.0.0.1");
      expect((await fetch(`${fake.admin}/__streamchaos/health`)).status).toBe(200);
      expect(fake.stdout.text()).toContain("--admin-host");
      expect(fake.stderr.text()).toBe("");
      if (!address) return; // no non-loopback interface here: the bound address above says it all
      expect(await tryConnect(fake.adminPort, address)).toBe("ECONNREFUSED");
      const origin = `http://${address}:${fake.port}`;
      const chat = await rawRequest(origin, { path: "/v1/chat/completions", body: { stream: true } });
      expect(chat.status).toBe(200);
      // The provider port answers admin paths only when it is no more exposed than the admin port.
      for (const path of ["/__streamchaos/journal", "/__streamchaos/script"]) {
        const answer = await rawRequest(origin, { method: "GET", path });
        expect(answer.status).toBe(404);
        expect(answer.body.toString()).toContain("--admin-host");
      }
    });

    it("--admin-host 0.0.0.0 exposes the admin API and warns on stderr what that exposes", async () => {
      await using fake = await startFake(["--host", "0.0.0.0", "--admin-host", "0.0.0.0"]);
      expect(fake.stderr.text()).toMatch(/warning: .*admin API.*0\.0\.0\.0:\d+.*no authentication/);
      expect(fake.stderr.text()).toMatch(/change the script .*read the journal \(request headers and bodies/);
      if (!address) return;
      expect(await tryConnect(fake.adminPort, address)).toBe("connected");
      const health = await rawRequest(`http://${address}:${fake.adminPort}`, {
        method: "GET",
        path: "/__streamchaos/health",
      });
      expect(health.status).toBe(200);
    });

    it("the default stays on loopback for both ports, without a warning", async () => {
      await using fake = await startFake([]);
      expect(fake.stderr.text()).toBe("");
      if (!address) return;
      expect(await tryConnect(fake.port, address)).toBe("ECONNREFUSED");
      expect(await tryConnect(fake.adminPort, address)).toBe("ECONNREFUSED");
    });
  });

  it("exits 2 on a bad port", async () => {
    const r = await runFake(["--port", "70000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid --port "70000"');
  });

  it("exits 2 when --port or --admin-port is taken, naming the port, who holds it and the fix", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      for (const [flag, which, option] of [
        ["--port", "port", "--port (port)"],
        ["--admin-port", "admin port", "--admin-port (adminPort)"],
      ] as const) {
        const r = await runFake([flag, String(port)]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(
          `error[FAKE_LISTEN_FAILED]: The fake provider cannot listen on its ${which}: 127.0.0.1:${port} is already in use`,
        );
        // The blocker is this test process.
        expect(r.stderr).toContain(`why: held by pid ${process.pid} (`);
        expect(r.stderr).toContain(
          `fix: Free it (stop pid ${process.pid}), or pick another ${option}, or 0 to let the system choose a free one.`,
        );
      }
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
