import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUserError, StreamchaosError } from "../../../lib/errors.ts";
import { makeTempDir } from "../../../lib/tempdir.ts";
import { until } from "../../../lib/testing.ts";
import { ENGINE_FIX, probeEngine } from "../../../runtime/docker/docker-env.ts";
import { LABEL_SESSION, sessionLabels } from "../../../runtime/docker/labels.ts";
import { sweepOrphans } from "../../../runtime/docker/sweep.ts";
import type { BackendSpec, StartedBox } from "../runtime.ts";
import { createDockerRuntime, type DockerRuntime } from "./docker-runtime.ts";
import { ECHO_SERVER } from "./testing/echo-server.ts";

const engine = await probeEngine();
if (!engine.ok) {
  console.warn(`docker runtime suite SKIPPED: ${engine.reason}. ${ENGINE_FIX}`);
}

const here = fileURLToPath(new URL(".", import.meta.url));
const url = (box: StartedBox, path: string) =>
  `http://${box.address.external.host}:${box.address.external.port}${path}`;

/** The echo server in the node-backend image, as the edge tests put it behind nginx and Caddy. */
const ECHO_BACKEND: BackendSpec = {
  name: "echo",
  image: "node-backend",
  command: { command: "node", args: ["-e", ECHO_SERVER] },
  env: { PORT: "{{port}}" },
  healthPath: "/health",
  readyTimeoutMs: 30_000,
};

async function getText(target: string): Promise<{ status: number; body: string }> {
  const response = await fetch(target, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

async function sessionResources(docker: Dockerode, session: string) {
  const filters = JSON.stringify({ label: [`${LABEL_SESSION}=${session}`] });
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length };
}

describe.skipIf(!engine.ok)("DockerRuntime (needs a Docker engine and built images)", () => {
  let runtime: DockerRuntime;

  beforeAll(async () => {
    runtime = await createDockerRuntime({ onWarning: () => {} });
  });

  afterAll(async () => {
    if (!runtime) return;
    await runtime[Symbol.asyncDispose]();
    expect(await sessionResources(runtime.session.docker, runtime.session.identity.session)).toEqual({
      containers: 0,
      networks: 0,
    });
  });

  it("starts toxiproxy whose API answers and whose hop slots reach other boxes by alias", async () => {
    await using lane = runtime.forLane(1);
    await using toxiproxy = await lane.startToxiproxy(2);
    const version = await getText(`${toxiproxy.apiUrl}/version`);
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body)).toHaveProperty("version");
    expect(toxiproxy.address.internal).toEqual({ host: "toxiproxy", port: 8474 });
    expect(toxiproxy.hopSlots.map((s) => s.listen)).toEqual(["0.0.0.0:10000", "0.0.0.0:10001"]);

    // A hop through slot 0 to the box's own alias: traffic enters on the host mapping, leaves by name.
    const created = await fetch(`${toxiproxy.apiUrl}/proxies`, {
      method: "POST",
      body: JSON.stringify({
        name: "loop",
        listen: toxiproxy.hopSlots[0]!.listen,
        upstream: "toxiproxy:8474",
      }),
    });
    expect(created.status).toBe(201);
    const slot = toxiproxy.hopSlots[0]!.address.external;
    expect(slot.host).toBe("127.0.0.1");
    const through = await getText(`http://${slot.host}:${slot.port}/version`);
    expect(through).toEqual(version);
    expect(await toxiproxy.alive()).toBe(true);
  });

  it("starts the fake provider whose admin API answers", async () => {
    await using lane = runtime.forLane(2);
    await using fake = await lane.startFake();
    expect(fake.address.internal).toEqual({ host: "fake", port: 8080 });
    const health = await getText(`${fake.adminUrl}/__streamchaos/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true });
  });

  it("runs nginx in front of a backend container, capturing its error and access logs", async () => {
    await using lane = runtime.forLane(3);
    await using backend = await lane.startBackend(ECHO_BACKEND);
    expect(backend.address.internal).toEqual({ host: "backend", port: 8000 });
    await until(
      () => backend.logs().some((l) => l.line === "echo listening" && l.source === "stdout"),
      5_000,
      "the backend's stdout line",
    );

    await using edge = await lane.startEdge({
      edge: "nginx",
      profile: "sse-tuned",
      upstream: backend.address.internal,
    });
    expect(edge.name).toBe("nginx:sse-tuned");
    expect(await getText(url(edge, "/through-nginx"))).toEqual({
      status: 200,
      body: "backend:/through-nginx",
    });
    expect(edge.logs().some((l) => l.source === "error.log" && /start worker process/.test(l.line))).toBe(
      true,
    );
    await until(
      () => edge.logs().some((l) => l.source === "access.log" && l.line.includes("GET /through-nginx")),
      5_000,
      "the access log line",
    );
  });

  it("runs caddy in front of a backend container", async () => {
    await using lane = runtime.forLane(4);
    await using backend = await lane.startBackend(ECHO_BACKEND);
    await using edge = await lane.startEdge({ edge: "caddy", upstream: backend.address.internal });
    expect(edge.name).toBe("caddy:default");
    expect(await getText(url(edge, "/through-caddy"))).toEqual({
      status: 200,
      body: "backend:/through-caddy",
    });
    await until(
      () => edge.logs().some((l) => l.source === "access.log" && l.line.includes("/through-caddy")),
      5_000,
      "the access log line",
    );
  });

  it("maps an nginx config error back to the line of the user's file", async () => {
    await using dir = await makeTempDir("docker-nginx-conf");
    const file = join(dir.path, "nginx.conf");
    await writeFile(
      file,
      "events {}\nhttp {\n  server {\n    listen {{port}};\n    no_such_directive on;\n    location / { proxy_pass http://{{upstream}}; }\n  }\n}\n",
    );
    await using lane = runtime.forLane(5);
    const error = await lane
      .startEdge({ edge: "nginx", configFile: file, upstream: { host: "backend", port: 8000 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamchaosError);
    expect((error as StreamchaosError).code).toBe("EDGE_CONFIG_INVALID");
    expect((error as StreamchaosError).what).toContain(`${file}:5`);
  });

  it("reaches a backend run on the host through host-gateway, and gives it host addresses", async () => {
    await using lane = runtime.forLane(6);
    await using toxiproxy = await lane.startToxiproxy(0);
    await using backend = await lane.startBackend({
      name: "host-echo",
      command: { command: process.execPath, args: ["-e", ECHO_SERVER] },
      // Internal names, as the lane templates them: the runtime rewrites them for a host process.
      env: { HOST: "{{host}}", PORT: "{{port}}", UPSTREAM: "http://toxiproxy:8474" },
      healthPath: "/health",
      readyTimeoutMs: 15_000,
    });
    expect(backend.address.internal.host).toBe("host.docker.internal");
    // It listens on the bridge gateway, not on every interface.
    expect(backend.address.external.host).toBe(await runtime.session.bridgeGateway());
    expect(await getText(url(backend, "/upstream"))).toEqual({
      status: 200,
      body: `upstream:${(await getText(`${toxiproxy.apiUrl}/version`)).body}`,
    });

    await using edge = await lane.startEdge({ edge: "nginx", upstream: backend.address.internal });
    expect(await getText(url(edge, "/from-container"))).toEqual({
      status: 200,
      body: "backend:/from-container",
    });
  });

  it("starts the reference backends from their images", async () => {
    await using lane = runtime.forLane(7);
    for (const image of ["node-backend", "fastapi-backend"]) {
      await using backend = await lane.startBackend({
        name: image,
        image,
        env: { PROVIDER_BASE_URL: "http://fake:8080/v1" },
        healthPath: "/health",
        readyTimeoutMs: 30_000,
      });
      const health = await getText(url(backend, "/health"));
      expect(health.status, image).toBe(200);
    }
  });

  it("reports a box that never becomes ready with its last output, and removes it", async () => {
    await using lane = runtime.forLane(8);
    const error = await lane
      .startBackend({
        name: "crasher",
        image: "node-backend",
        command: { command: "node", args: ["-e", "console.error('boom: missing API key'); process.exit(3)"] },
        env: {},
        healthPath: "/health",
        readyTimeoutMs: 5_000,
      })
      .catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("DOCKER_BOX_NOT_READY");
    expect((error as StreamchaosError).details.join("\n")).toContain("boom: missing API key");
    const filters = JSON.stringify({
      label: [`${LABEL_SESSION}=${runtime.session.identity.session}`, "dev.streamchaos.box=backend"],
    });
    expect(await runtime.session.docker.listContainers({ all: true, filters })).toEqual([]);
  });
});

describe.skipIf(!engine.ok)("docker cleanup by label", () => {
  it("removes everything of its session on dispose", async () => {
    const runtime = await createDockerRuntime({ onWarning: () => {} });
    const { docker } = runtime.session;
    const lane = runtime.forLane(1);
    expect((await lane.startToxiproxy(1)).address.internal.host).toBe("toxiproxy");
    // Used directly, lanes share one network, so each box gets a numbered alias.
    const first = await runtime.startToxiproxy(1);
    const second = await runtime.startToxiproxy(1);
    expect([first.address.internal.host, second.address.internal.host]).toEqual([
      "toxiproxy-1",
      "toxiproxy-2",
    ]);
    expect(await sessionResources(docker, runtime.session.identity.session)).toEqual({
      containers: 3,
      networks: 2,
    });
    await runtime[Symbol.asyncDispose]();
    expect(await sessionResources(docker, runtime.session.identity.session)).toEqual({
      containers: 0,
      networks: 0,
    });
  });

  it("cleans up on Ctrl-C, and sweeps what a killed run left, sparing live sessions", async () => {
    const runtime = await createDockerRuntime({ onWarning: () => {} });
    try {
      const { docker } = runtime.session;
      const interrupted = await holdLane();
      expect(await sessionResources(docker, interrupted.session)).toEqual({ containers: 1, networks: 1 });
      interrupted.child.kill("SIGINT");
      await interrupted.exited;
      expect(await sessionResources(docker, interrupted.session)).toEqual({ containers: 0, networks: 0 });

      const killed = await holdLane();
      killed.child.kill("SIGKILL");
      await killed.exited;
      expect(await sessionResources(docker, killed.session)).toEqual({ containers: 1, networks: 1 });

      // A live session's network (this process's) must survive the sweep.
      const live = await docker.createNetwork({
        Name: `streamchaos-live-${process.pid}`,
        Labels: sessionLabels({ session: `live-${process.pid}`, pid: process.pid, host: hostname() }),
      });
      try {
        const swept = await sweepOrphans(docker);
        expect(swept.sessions).toContain(killed.session);
        expect(swept.sessions).not.toContain(`live-${process.pid}`);
        expect(await sessionResources(docker, killed.session)).toEqual({ containers: 0, networks: 0 });
        expect(await sessionResources(docker, `live-${process.pid}`)).toEqual({ containers: 0, networks: 1 });
      } finally {
        await live.remove();
      }
    } finally {
      await runtime[Symbol.asyncDispose]();
    }
  });
});

/** Runs testing/hold-lane.ts in a child process (without VITEST in its env, so it installs signal handlers). */
async function holdLane() {
  const env = { ...process.env };
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "testing/hold-lane.ts")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  await until(() => out.includes("ready\n") || child.exitCode !== null, 60_000, "hold-lane ready").catch(
    (error: unknown) => {
      child.kill("SIGKILL");
      throw error;
    },
  );
  const session = /session (\S+)/.exec(out)?.[1];
  if (!session) throw new Error(`hold-lane did not start: ${err}`);
  return { child, session, exited };
}
