import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { now } from "../../lib/clock.ts";
import { isUserError } from "../../lib/errors.ts";
import { ownerIsGone } from "../../lib/runs/owner.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { demuxStreams } from "./box-container.ts";
import { parseTimestampedLine } from "./container-logs.ts";
import { envOverrideName, type ResolverDeps, resolveImage } from "./image-resolver.ts";
import {
  computeImageTags,
  hashParts,
  IMAGE_ORDER,
  IMAGES,
  type ImageName,
  isExcludedInput,
  OFFICIAL_TOXIPROXY_IMAGE,
  productionPackages,
} from "./images.ts";
import { identityFromLabels, isOrphaned, newSession, sessionLabels } from "./labels.ts";

describe("labels", () => {
  it("round-trips a session through its labels and carries the testcontainers label", () => {
    const identity = newSession();
    const labels = sessionLabels(identity, "fake");
    expect(labels["org.testcontainers"]).toBe("true");
    expect(labels["dev.streamchaos"]).toBe("true");
    expect(labels["dev.streamchaos.box"]).toBe("fake");
    expect(identityFromLabels(labels)).toEqual(identity);
  });

  it("does not claim resources that are not ours or are malformed", () => {
    const labels = sessionLabels(newSession());
    expect(identityFromLabels(undefined)).toBeUndefined();
    expect(identityFromLabels({ ...labels, "dev.streamchaos": "false" })).toBeUndefined();
    expect(identityFromLabels({ ...labels, "dev.streamchaos.pid": "abc" })).toBeUndefined();
    expect(identityFromLabels({ ...labels, "dev.streamchaos.pid": "0" })).toBeUndefined();
    expect(identityFromLabels({ ...labels, "dev.streamchaos.session": "" })).toBeUndefined();
  });

  it("calls a session orphaned only when its owner is dead and on this host", () => {
    const identity = { session: "s", pid: 1234, host: "here" };
    expect(isOrphaned(identity, "here", () => true)).toBe(true);
    expect(isOrphaned(identity, "here", () => false)).toBe(false);
    expect(isOrphaned(identity, "elsewhere", () => true)).toBe(false);
  });

  it("knows this process is alive, and a reused pid (same number, another start time) is not it", () => {
    const identity = newSession();
    expect(identity.start).toBeGreaterThan(0);
    expect(ownerIsGone(identity)).toBe(false);
    expect(ownerIsGone({ ...identity, start: identity.start! - 1 })).toBe(true);
    expect(isOrphaned({ ...identity, start: identity.start! - 1 })).toBe(true);
  });

  it("reads labels written before the owner's start time was recorded", () => {
    const { "dev.streamchaos.pid-start": _start, ...older } = sessionLabels(newSession());
    const identity = identityFromLabels(older)!;
    expect(identity.start).toBeUndefined();
    expect(ownerIsGone(identity)).toBe(false);
  });
});

describe("container log lines", () => {
  it("converts docker's nanosecond wall-clock stamp to the harness clock", () => {
    const wall = Date.now();
    const stamp = new Date(wall).toISOString().replace(/\.(\d{3})Z$/, ".$1456789Z");
    const { t, line } = parseTimestampedLine(`${stamp} hello world`);
    expect(line).toBe("hello world");
    // Same instant on both clocks, within the time this test takes.
    expect(Math.abs(t - now())).toBeLessThan(1_000);
    expect(t % 1).not.toBe(0);
  });

  it("keeps an unstamped line whole and stamps it now", () => {
    const before = now();
    const { t, line } = parseTimestampedLine("no stamp here");
    expect(line).toBe("no stamp here");
    expect(t).toBeGreaterThanOrEqual(before);
  });

  it("demultiplexes stdout and stderr frames", () => {
    const frame = (kind: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = kind;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const buffer = Buffer.concat([frame(1, '{"a":'), frame(2, "warn\n"), frame(1, "1}")]);
    expect(demuxStreams(buffer)).toEqual({ stdout: '{"a":1}', stderr: "warn\n" });
    expect(demuxStreams(Buffer.from("plain tty output"))).toEqual({ stdout: "plain tty output", stderr: "" });
  });
});

describe("image tags", () => {
  it("hashes length-prefixed parts", () => {
    expect(hashParts(["ab", "c"])).not.toBe(hashParts(["a", "bc"]));
    expect(hashParts(["x"])).toMatch(/^[0-9a-f]{12}$/);
  });

  it("orders every image after its parent", () => {
    for (const name of IMAGE_ORDER) {
      const parent = IMAGES[name].parent;
      if (parent) expect(IMAGE_ORDER.indexOf(parent)).toBeLessThan(IMAGE_ORDER.indexOf(name));
    }
  });

  it("leaves tests, caches and dot folders out of the inputs", () => {
    expect(isExcludedInput("fakes/server.test.ts")).toBe(true);
    expect(isExcludedInput("fakes/server.int.test.ts")).toBe(true);
    expect(isExcludedInput("examples/fastapi-backend/__pycache__/app.cpython-311.pyc")).toBe(true);
    expect(isExcludedInput("examples/.venv/x.py")).toBe(true);
    expect(isExcludedInput("fakes/server.ts")).toBe(false);
  });

  it("takes production packages from the lock, dropping dev, absent and nested ones", async () => {
    await using dir = await makeTempDir("images-test");
    for (const pkg of ["node_modules/a", "node_modules/a/node_modules/b", "node_modules/dev"]) {
      await mkdir(join(dir.path, pkg), { recursive: true });
    }
    const lock = {
      packages: {
        "": {},
        "node_modules/a": {},
        "node_modules/a/node_modules/b": {},
        "node_modules/dev": { dev: true },
        "node_modules/@esbuild/win32-x64": {},
      },
    };
    expect(productionPackages(lock, dir.path)).toEqual(["node_modules/a"]);
  });

  it("changes an image's tag, and its children's, when one of its inputs changes", async () => {
    await using dir = await makeTempDir("images-test");
    const root = dir.path;
    const write = async (path: string, text: string) => {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), text);
    };
    await write("package-lock.json", JSON.stringify({ packages: {} }));
    for (const name of IMAGE_ORDER) {
      const def = IMAGES[name];
      if (def.dockerfile) await write(def.dockerfile, `FROM x # ${name}\n`);
      for (const file of def.contextFiles ?? []) await write(file, "#!/bin/sh\n");
    }
    await write("fakes/server.ts", "export const a = 1;\n");
    await write("examples/fastapi-backend/app.py", "app = 1\n");
    const before = await computeImageTags(root, root);
    await write("fakes/server.ts", "export const a = 2;\n");
    const afterSource = await computeImageTags(root, root);
    const changed = (a: Record<ImageName, string>, b: Record<ImageName, string>) =>
      IMAGE_ORDER.filter((n) => a[n] !== b[n]).sort();
    expect(changed(before, afterSource)).toEqual(["app", "fake", "node-backend", "toxiproxy"].sort());
    await write("fakes/server.test.ts", "it('x', () => {});\n");
    expect(changed(afterSource, await computeImageTags(root, root))).toEqual([]);
    await write("examples/fastapi-backend/app.py", "app = 2\n");
    const afterPython = await computeImageTags(root, root);
    // The python example is in app's sources too, so the node images move with it.
    expect(changed(afterSource, afterPython)).toContain("fastapi-backend");
    expect(changed(afterSource, afterPython)).not.toContain("nginx");
    expect(changed(afterSource, afterPython)).not.toContain("base");
  });
});

describe("resolveImage", () => {
  const tags = Object.fromEntries(IMAGE_ORDER.map((n) => [n, `h-${n}`])) as Record<ImageName, string>;
  const deps = (present: string[], env: NodeJS.ProcessEnv = {}): ResolverDeps => ({
    exists: async (ref) => present.includes(ref),
    tags: async () => tags,
    env,
  });

  it("prefers the image built from this checkout", async () => {
    const image = await resolveImage(
      "nginx",
      {},
      deps(["streamchaos/nginx:h-nginx", "streamchaos/nginx:local"]),
    );
    expect(image).toEqual({ role: "nginx", ref: "streamchaos/nginx:h-nginx", source: "current" });
  });

  it("falls back to :local and says it is stale", async () => {
    const image = await resolveImage("fake", {}, deps(["streamchaos/fake:local"]));
    expect(image).toEqual({ role: "fake", ref: "streamchaos/fake:local", source: "stale" });
  });

  it("prefers the official toxiproxy image when present", async () => {
    const image = await resolveImage(
      "toxiproxy",
      {},
      deps([OFFICIAL_TOXIPROXY_IMAGE, "streamchaos/toxiproxy:h-toxiproxy"]),
    );
    expect(image.source).toBe("official");
    const ours = await resolveImage("toxiproxy", {}, deps(["streamchaos/toxiproxy:h-toxiproxy"]));
    expect(ours.ref).toBe("streamchaos/toxiproxy:h-toxiproxy");
  });

  it("lets options and then the environment override any image", async () => {
    const env = { [envOverrideName("node-backend")]: "mine/backend:2" };
    expect(envOverrideName("node-backend")).toBe("STREAMCHAOS_IMAGE_NODE_BACKEND");
    const fromEnv = await resolveImage("node-backend", {}, deps(["mine/backend:2"], env));
    expect(fromEnv).toEqual({ role: "node-backend", ref: "mine/backend:2", source: "override" });
    const fromOptions = await resolveImage(
      "node-backend",
      { "node-backend": "mine/backend:3" },
      deps(["mine/backend:2", "mine/backend:3"], env),
    );
    expect(fromOptions.ref).toBe("mine/backend:3");
  });

  it("fails with the build command when nothing is present", async () => {
    const error = await resolveImage("caddy", {}, deps([])).catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("DOCKER_IMAGE_MISSING");
    expect(String((error as Error).message)).toContain("npx tsx docker/build-images.ts --only caddy");
  });

  it("from the installed package (no sources to hash) runs the :local build, else says to build from a clone", async () => {
    const packaged = (present: string[]): ResolverDeps => ({ ...deps(present), tags: async () => undefined });
    const image = await resolveImage("nginx", {}, packaged(["streamchaos/nginx:local"]));
    expect(image).toEqual({ role: "nginx", ref: "streamchaos/nginx:local", source: "current" });
    const error = await resolveImage("caddy", {}, packaged([])).catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("DOCKER_IMAGE_MISSING");
    expect(String((error as Error).message)).toMatch(/clone of streamchaos.*docker\/build-images\.ts/);
  });

  it("fails when an override names an image that is not present (no registry to pull from)", async () => {
    const error = await resolveImage(
      "nginx",
      { nginx: "nginx:1.27" },
      deps(["streamchaos/nginx:h-nginx"]),
    ).catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe("DOCKER_IMAGE_MISSING");
    expect(String((error as Error).message)).toContain("nginx:1.27");
  });
});
