import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { now } from "../../lib/clock.ts";
import { UserError } from "../../lib/errors.ts";
import { LOOPBACK, reservePort } from "../../lib/net.ts";
import { groupMembers, listeningHolder, readStat } from "../../lib/proc.ts";
import { caught, pidAlive, until } from "../../lib/testing.ts";
import { Wait } from "../wait/wait.ts";
import { startProcess } from "./start-process.ts";

const node = process.execPath;

describe("startProcess", () => {
  it("captures stdout and stderr as timestamped lines, live", async () => {
    const before = now();
    await using proc = await startProcess({
      name: "talker",
      command: node,
      args: [
        "-e",
        `process.stdout.write("one\\ntw"); setTimeout(() => { process.stdout.write("o\\n"); console.error("err line"); }, 50); setTimeout(() => console.log("ready"), 150); setInterval(() => {}, 1000);`,
      ],
      readiness: Wait.forAll([Wait.forLogLine(/^ready$/), Wait.forLogLine("err line")]).withTimeout(10_000),
    });
    expect(proc.alive()).toBe(true);
    expect(proc.pid).toBeGreaterThan(0);
    // stdout and stderr are separate pipes: order is kept within a stream, not across them.
    const stdout = proc.logs().filter((l) => l.stream === "stdout");
    expect(stdout.map((l) => l.line)).toEqual(["one", "two", "ready"]);
    expect(
      proc
        .logs()
        .filter((l) => l.stream === "stderr")
        .map((l) => l.line),
    ).toEqual(["err line"]);
    expect(stdout[0]!.t).toBeGreaterThanOrEqual(before);
    expect(stdout[1]!.t).toBeGreaterThan(stdout[0]!.t);
    expect(proc.readyAt).toBeGreaterThanOrEqual(stdout[2]!.t);
    expect(proc.tail(proc.logs().length).length).toBe(4);
    expect(proc.logsSince(stdout[1]!.t).map((l) => l.line)).not.toContain("one");
    expect(proc.logsSince(stdout[1]!.t).map((l) => l.line)).toContain("ready");
    const seen: string[] = [];
    proc.onLine((l) => seen.push(l.line));
    await proc.stop();
    expect(proc.alive()).toBe(false);
    expect(seen).toEqual([]);
  });

  it("passes env, removes unset vars and runs in cwd", async () => {
    await using proc = await startProcess({
      name: "env",
      command: node,
      args: [
        "-e",
        `console.log(process.env.SC_A + "|" + (process.env.HOME ?? "none") + "|" + process.cwd())`,
      ],
      env: { SC_A: "hello", HOME: undefined },
      cwd: "/tmp",
    });
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.logs().map((l) => l.line)).toEqual(["hello|none|/tmp"]);
  });

  it("fails with the exit code and the last log lines when the process exits before it is ready", async () => {
    const error = await caught(
      startProcess({
        name: "crasher",
        command: node,
        args: ["-e", `console.log("booting"); console.error("config is broken"); process.exit(3)`],
        readiness: Wait.forHttp("http://127.0.0.1:1/").withTimeout(10_000),
      }),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("PROCESS_EXITED_EARLY");
    expect(error.message).toContain("crasher exited with code 3 before it became ready");
    expect(error.details).toContain("[stderr] config is broken");
    expect(error.details).toContain("[stdout] booting");
  });

  it("fails with the readiness numbers and the log tail when never ready, and kills the process", async () => {
    const port = await reservePort();
    let pid = 0;
    const error = await caught(
      startProcess({
        name: "sleeper",
        command: node,
        args: ["-e", `console.log("pid " + process.pid); setInterval(() => {}, 1000)`],
        readiness: Wait.forPort(LOOPBACK, port).withTimeout(500),
      }),
    );
    pid = Number(/pid (\d+)/.exec(error.details.join("\n"))?.[1]);
    expect(error.code).toBe("PROCESS_NOT_READY");
    expect(error.message).toContain(`${LOOPBACK}:${port} did not accept a TCP connection after 500ms`);
    expect(pid).toBeGreaterThan(0);
    expect(pidAlive(pid)).toBe(false);
  });

  it("names the missing binary and the install command", async () => {
    const error = await caught(
      startProcess({ name: "edge nginx", command: "nginx", env: { PATH: "/nonexistent" } }),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("BINARY_NOT_FOUND");
    expect(error.message).toContain("`nginx` was not found on PATH");
    expect(error.message).toContain("apt-get install -y nginx");
  });

  it("uses the given install hint for binaries it does not know", async () => {
    const error = await caught(
      startProcess({ name: "x", command: "streamchaos-no-such-binary", install: "npm i -g thing" }),
    );
    expect(error.message).toContain("npm i -g thing");
  });

  it("rejects a working directory that does not exist", async () => {
    const error = await caught(startProcess({ name: "x", command: node, cwd: "/nonexistent/dir" }));
    expect(error.code).toBe("PROCESS_BAD_CWD");
  });

  it("refuses to start when a declared port is taken by something else", async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, LOOPBACK, r));
    const port = (squatter.address() as { port: number }).port;
    try {
      const error = await caught(
        startProcess({ name: "svc", command: node, args: ["-e", ""], ports: [{ host: LOOPBACK, port }] }),
      );
      expect(error.code).toBe("PORT_IN_USE");
      expect(error.message).toContain(`${LOOPBACK}:${port} is already in use`);
      // The squatter is this test process: /proc names it, and the fix says how to get out.
      expect(error.why).toContain(`held by pid ${process.pid} (`);
      expect(error.fix).toBe(
        `Free it (stop pid ${process.pid}), or pick another port (0 lets the system choose a free one).`,
      );
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("recognises EADDRINUSE in the log of a process that failed to bind", async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, LOOPBACK, r));
    const port = (squatter.address() as { port: number }).port;
    try {
      const error = await caught(
        startProcess({
          name: "binder",
          command: node,
          args: ["-e", `require("net").createServer().listen(${port}, "${LOOPBACK}")`],
          readiness: Wait.forLogLine(/never/).withTimeout(10_000),
        }),
      );
      expect(error.code).toBe("PORT_IN_USE");
      expect(error.message).toContain("EADDRINUSE");
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("is not alive once the kernel says it ended, before our event loop has reaped it", async () => {
    await using proc = await startProcess({
      name: "quitter",
      command: node,
      args: ["-e", `console.log("up"); setTimeout(() => process.exit(3), 50)`],
      readiness: Wait.forLogLine("up"),
    });
    // Synchronously, so the exit event cannot be handled meanwhile: this is the moment a busy
    // machine leaves between a backend's death and the runner hearing of it.
    const deadline = Date.now() + 15_000;
    while (readStat(proc.pid)?.state !== "Z" && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
    expect(readStat(proc.pid)?.state).toBe("Z");
    expect(proc.alive()).toBe(false);
    expect((await proc.exited).code).toBe(3);
  });

  it("stop kills the whole process group, SIGKILL after the stop timeout", async () => {
    // The parent ignores SIGTERM and forks a grandchild that also ignores it: only the group
    // SIGKILL after the timeout gets rid of both.
    const grandchild = `process.on("SIGTERM", () => {}); console.log("grandchild " + process.pid); setInterval(() => {}, 1000)`;
    const proc = await startProcess({
      name: "forker",
      command: node,
      args: [
        "-e",
        `process.on("SIGTERM", () => {}); require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "inherit" }); setInterval(() => {}, 1000)`,
      ],
      readiness: Wait.forLogLine(/grandchild \d+/).withTimeout(10_000),
      stopTimeoutMs: 300,
    });
    const grandPid = Number(
      /grandchild (\d+)/.exec(
        proc
          .logs()
          .map((l) => l.line)
          .join("\n"),
      )?.[1],
    );
    expect(pidAlive(grandPid)).toBe(true);
    const started = performance.now();
    await proc[Symbol.asyncDispose]();
    const took = performance.now() - started;
    expect(proc.alive()).toBe(false);
    expect(took).toBeGreaterThanOrEqual(250);
    expect((await proc.exited).signal).toBe("SIGKILL");
    await until(() => !pidAlive(grandPid));
  });

  it("stop resolves once every process of the group is gone, so that its ports are free", async () => {
    // The leader goes on SIGTERM; its child ignores it and holds a port until the group SIGKILL.
    // 100 MB written to: its exit takes a while to unmap, as a real backend's does.
    const child = `globalThis.heap = Buffer.alloc(1e8, 1); process.on("SIGTERM", () => {}); const s = require("net").createServer().listen(0, "${LOOPBACK}", () => console.log("listening " + s.address().port))`;
    const proc = await startProcess({
      name: "parent",
      command: node,
      args: [
        "-e",
        `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "inherit" }); setInterval(() => {}, 1000)`,
      ],
      readiness: Wait.forLogLine(/^listening \d+$/).withTimeout(10_000),
    });
    const port = Number(/^listening (\d+)$/.exec(proc.logs().at(-1)!.line)![1]);
    expect(listeningHolder(port)).toBeDefined();
    await proc.stop();
    // At once: a check with a deadline would hide a stop that returns too early. (Not by binding the
    // port: on a busy machine an outgoing connection may hold it as its local port.)
    expect(groupMembers(proc.pid)).toEqual([]);
    expect(listeningHolder(port)).toBeUndefined();
  });

  it("stops a well-behaved process with the stop signal, quickly", async () => {
    const proc = await startProcess({
      name: "polite",
      command: node,
      args: [
        "-e",
        `process.on("SIGINT", () => process.exit(0)); console.log("up"); setInterval(() => {}, 1000)`,
      ],
      readiness: Wait.forLogLine("up"),
      stopSignal: "SIGINT",
      stopTimeoutMs: 10_000,
    });
    const started = performance.now();
    const exit = await proc.stop();
    expect(exit.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await proc.stop()).toBe(exit);
  });
});
