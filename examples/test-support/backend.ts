import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { reservePort } from "../../lib/net.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A reference backend running as a real child process, with its log lines captured. */
export class BackendProcess implements AsyncDisposable {
  readonly logs: string[] = [];
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  port = 0;
  #watchers: Array<() => void> = [];

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': the last stderr line (a refusal message) has been read by then.
      child.once("close", (code) => {
        this.exitCode = code;
        resolve(code);
        for (const wake of this.#watchers.splice(0)) wake();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (text: string) => {
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        this.logs.push(...lines);
        for (const wake of this.#watchers.splice(0)) wake();
      });
    }
  }

  /** The Node backend via tsx; PORT=0, the port is read back from its `listening on` line. */
  static node(env: Record<string, string>): Promise<BackendProcess> {
    return BackendProcess.tsx("examples/node-backend/server.ts", env);
  }

  /** A TypeScript server of the examples (path from the repository root) that logs `listening on http://HOST:PORT`. */
  static async tsx(script: string, env: Record<string, string>): Promise<BackendProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const backend = new BackendProcess(child);
    const pattern = /listening on http:\/\/\S+:(\d+)/;
    try {
      backend.port = Number(pattern.exec(await backend.waitForLog(pattern, 15_000))?.[1]);
    } catch (error) {
      await backend[Symbol.asyncDispose]();
      throw error;
    }
    return backend;
  }

  /** The FastAPI backend under Debian's uvicorn (only /usr/bin/python3 has the packages). */
  static async fastapi(env: Record<string, string>): Promise<BackendProcess> {
    const port = await reservePort();
    const child = spawn(
      "/usr/bin/python3",
      ["-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", String(port)],
      {
        cwd: `${REPO_ROOT}examples/fastapi-backend`,
        // Vitest exports MODE=test (Vite's mode), which is also this backend's own switch.
        env: { ...process.env, MODE: "hardened", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const backend = new BackendProcess(child);
    backend.port = port;
    try {
      await backend.waitForLog(/Uvicorn running on/, 15_000);
    } catch (error) {
      await backend[Symbol.asyncDispose]();
      throw error;
    }
    return backend;
  }

  /** Starts a backend that is expected to refuse its configuration; resolves with its exit code. */
  static async nodeExpectingExit(
    env: Record<string, string>,
  ): Promise<{ code: number | null; logs: string[] }> {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/node-backend/server.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await using backend = new BackendProcess(child);
    const code = await Promise.race([
      backend.exited,
      new Promise<"running">((resolve) => setTimeout(() => resolve("running"), 15_000)),
    ]);
    if (code === "running") throw new Error("the backend kept running");
    return { code, logs: backend.logs };
  }

  async waitForLog(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.exitCode !== undefined) {
        throw new Error(
          `backend exited (${this.exitCode}) before logging ${pattern}:\n${this.logs.join("\n")}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`backend did not log ${pattern} within ${timeoutMs}ms:\n${this.logs.join("\n")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#watchers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Log lines from index `from` on (to look only at what one test caused). */
  since(from: number): string[] {
    return this.logs.slice(from);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill("SIGTERM");
    const killed = await Promise.race([
      this.exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 3000)),
    ]);
    if (!killed) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}
