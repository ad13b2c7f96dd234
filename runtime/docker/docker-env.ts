import { execFile } from "node:child_process";
import type { OptionalPackage } from "../../lib/optional-import.ts";

/** The docker runtime's client library: an optional peer, imported only for `--runtime docker`. */
export const TESTCONTAINERS: OptionalPackage = {
  name: "testcontainers",
  version: "11.14",
  feature: "--runtime docker",
  otherwise: "or leave the runtime at local",
};

/**
 * Testcontainers settings this project needs on machines with no registry (environment.md):
 * - Ryuk (the reaper) is an image that cannot be pulled; we clean up by label ourselves.
 * - Without a host override, testcontainers starts `alpine:3.14` to find the gateway: also unpullable.
 * Set before the first testcontainers call; a value the user set wins.
 */
export function applyTestcontainersDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  env.TESTCONTAINERS_HOST_OVERRIDE ??= "localhost";
}

export type EngineStatus = { ok: true; version: string } | { ok: false; reason: string };

/**
 * Whether a Docker engine answers, through the docker CLI (no testcontainers: its client caches a
 * failed lookup for the life of the process, and suites that skip must not poison later ones).
 */
export function probeEngine(timeoutMs = 5_000): Promise<EngineStatus> {
  return new Promise((resolve) => {
    execFile(
      "docker",
      ["version", "--format", "{{.Server.Version}}"],
      { timeout: timeoutMs, env: process.env },
      (error, stdout, stderr) => {
        const version = stdout.trim();
        if (!error && version) resolve({ ok: true, version });
        else if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
          resolve({ ok: false, reason: "the `docker` client is not installed" });
        } else {
          const why = (stderr.trim().split("\n").pop() ?? "") || (error?.message ?? "no answer");
          resolve({ ok: false, reason: `no Docker engine answers (${why})` });
        }
      },
    );
  });
}

export const ENGINE_FIX = "Run docker/ensure-engine.sh as root (installs docker.io and starts dockerd).";
