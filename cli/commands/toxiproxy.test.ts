import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { captureOutput, exposedAddress, until } from "../../lib/testing.ts";
import { main } from "../main.ts";

describe("streamchaos toxiproxy", () => {
  it("serves the API where it says until stopped, then closes it", async () => {
    const stdout = captureOutput();
    const stderr = captureOutput();
    const stop = new AbortController();
    const exit = main(["toxiproxy", "--port", "0"], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("listening on"));
    const url = /listening on (http:\/\/\S+)/.exec(stdout.text())![1]!;
    const version = await fetch(`${url}/version`);
    expect(await version.text()).toBe('{"version": "2.12.0"}\n');
    stop.abort();
    expect(await exit).toBe(0);
    expect(stdout.text()).toContain("toxiproxy: stopped");
    await expect(fetch(`${url}/version`)).rejects.toThrow();
  });

  it.each([
    [["--host", "0.0.0.0"], true],
    [[], false],
  ])(
    "%j: a warning on stderr when the unauthenticated API listens beyond loopback (%s)",
    async (args, warns) => {
      const stdout = captureOutput();
      const stderr = captureOutput();
      const stop = new AbortController();
      const exit = main(["toxiproxy", "--port", "0", ...args], {
        stdout: stdout.stream,
        stderr: stderr.stream,
        stopSignal: stop.signal,
      });
      await until(() => stdout.text().includes("Ctrl-C"));
      const port = Number(/listening on http:\/\/\S+:(\d+)/.exec(stdout.text())![1]);
      if (warns) {
        expect(stderr.text()).toMatch(/warning: the Toxiproxy API on 0\.0\.0\.0:\d+ has no authentication/);
        expect(stderr.text()).toMatch(/create proxies .*forward .* cut, slow or reset/);
      } else {
        expect(stderr.text()).toBe("");
      }
      // The API is the product here: --host is what exposes it, and nothing else listens on its own.
      const address = exposedAddress();
      if (address) {
        const reached = await fetch(`http://${address}:${port}/version`).then(
          (r) => r.status,
          () => "refused",
        );
        expect(reached).toBe(warns ? 200 : "refused");
      }
      stop.abort();
      expect(await exit).toBe(0);
    },
  );

  it("--taps records every proxied connection, readable through the extension endpoint", async () => {
    const stdout = captureOutput();
    const stop = new AbortController();
    const exit = main(["toxiproxy", "--port", "0", "--taps"], {
      stdout: stdout.stream,
      stderr: captureOutput().stream,
      stopSignal: stop.signal,
    });
    await until(() => stdout.text().includes("Ctrl-C"));
    expect(stdout.text()).toContain("taps:    on, read with GET /proxies/{name}/taps");
    const url = /listening on (http:\/\/\S+)/.exec(stdout.text())![1]!;
    expect(await (await fetch(`${url}/taps`)).json()).toMatchObject({ taps: true });
    stop.abort();
    expect(await exit).toBe(0);
  });

  it("exits 2 naming the port, who holds it and how to fix it when the port is in use", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const stdout = captureOutput();
      const stderr = captureOutput();
      const code = await main(["toxiproxy", "--port", String(port)], {
        stdout: stdout.stream,
        stderr: stderr.stream,
        stopSignal: new AbortController().signal,
      });
      expect(code).toBe(2);
      expect(stderr.text()).toContain(
        `error[TOXIPROXY_LISTEN_FAILED]: Cannot start the Toxiproxy API: 127.0.0.1:${port} is already in use`,
      );
      // The blocker is this test process: the message names it and both ways out.
      expect(stderr.text()).toContain(`why: held by pid ${process.pid} (`);
      expect(stderr.text()).toContain(
        `fix: Free it (stop pid ${process.pid}), or pick another port (--port 0 lets the system choose one).`,
      );
      expect(stderr.text()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("exits 2 on a bad --port", async () => {
    const stderr = captureOutput();
    const code = await main(["toxiproxy", "--port", "http"], {
      stdout: captureOutput().stream,
      stderr: stderr.stream,
      stopSignal: new AbortController().signal,
    });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('Invalid --port "http"');
  });

  it("exits 2 on a --hot-loop-ms that is not a usable window", async () => {
    for (const bad of ["fast", "-1", "", "5000"]) {
      const stderr = captureOutput();
      const code = await main(["toxiproxy", "--port", "0", `--hot-loop-ms=${bad}`], {
        stdout: captureOutput().stream,
        stderr: stderr.stream,
        stopSignal: new AbortController().signal,
      });
      expect(code).toBe(2);
      expect(stderr.text()).toContain(`error[CLI_USAGE]: Invalid --hot-loop-ms "${bad}"`);
      expect(stderr.text()).toContain("from 0 (never poll after traffic) to 1000");
    }
  });
});
