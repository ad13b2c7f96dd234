import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { isUserError } from "../../../lib/errors.ts";
import { probeEngine } from "../../../runtime/docker/docker-env.ts";
import { createDockerRuntime } from "./docker-runtime.ts";
import { getDockerEdge } from "./edges/registry.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const engine = await probeEngine();

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { cwd: repo, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("docker setup errors", () => {
  const savedHost = process.env.DOCKER_HOST;
  afterEach(() => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
  });

  it("ensure-engine.sh says 'no engine' and exits 0 when the engine cannot be had", async () => {
    const result = await run("bash", ["docker/ensure-engine.sh"], {
      ...process.env,
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
      STREAMCHAOS_NO_INSTALL: "1",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("no engine");
    expect(result.stdout).toContain("docker suites will be skipped");
  });

  it.skipIf(!engine.ok)("ensure-engine.sh leaves an engine that answers alone", async () => {
    const result = await run("bash", ["docker/ensure-engine.sh"], process.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("nothing to do");
  });

  it("refuses to open the docker runtime without an engine, saying how to get one", async () => {
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    const error = await createDockerRuntime({ onWarning: () => {} }).catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("DOCKER_UNAVAILABLE");
    expect(String((error as Error).message)).toContain("docker/ensure-engine.sh");
  });

  it("names the edges it has when asked for another", () => {
    expect(() => getDockerEdge("traefik")).toThrow(/its edges are direct, nginx, caddy/);
  });

  it("build-images rejects an unknown image name", async () => {
    const result = await run(
      process.execPath,
      ["--import", "tsx", "docker/build-images.ts", "--only", "redis"],
      process.env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown image "redis"');
  });
});

describe.skipIf(!engine.ok)("docker lane bad input", () => {
  it("rejects a slot count it cannot expose and a backend with nothing to run", async () => {
    await using runtime = await createDockerRuntime({ onWarning: () => {} });
    await using lane = runtime.forLane(1);
    for (const slots of [-1, 1.5, 65]) {
      const error = await lane.startToxiproxy(slots).catch((e: unknown) => e);
      expect(isUserError(error) && error.code, String(slots)).toBe("DOCKER_BAD_SLOTS");
    }
    const error = await lane
      .startBackend({ name: "nothing", env: {}, healthPath: "/health", readyTimeoutMs: 1_000 })
      .catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("BACKEND_NO_COMMAND");
  });
});
