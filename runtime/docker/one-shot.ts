import { demuxStreams } from "./box-container.ts";
import type { DockerSession } from "./session.ts";

export interface OneShotRequest {
  image: string;
  entrypoint: string[];
  command?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface OneShotResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion in a throwaway container with no network (a config check, an adapt
 * step) and returns its output. Labelled like every other container so a crash mid-run is swept.
 */
export async function runOneShot(session: DockerSession, request: OneShotRequest): Promise<OneShotResult> {
  const container = await session.docker.createContainer({
    Image: request.image,
    Entrypoint: request.entrypoint,
    ...(request.command ? { Cmd: request.command } : {}),
    Env: Object.entries(request.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: session.labels("one-shot"),
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await container.start();
    const timeoutMs = request.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`one-shot ${request.image} still running after ${timeoutMs}ms`)),
        timeoutMs,
      );
    });
    const { StatusCode } = (await Promise.race([container.wait(), timeout]).finally(() =>
      clearTimeout(timer),
    )) as {
      StatusCode: number;
    };
    const buffer = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { code: StatusCode, ...demuxStreams(buffer) };
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
