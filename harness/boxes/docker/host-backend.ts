import { hostPort, reservePort } from "../../../lib/net.ts";
import type { StartedBox } from "../../../runtime/box.ts";
import { HOST_GATEWAY_NAME } from "../../../runtime/docker/box-container.ts";
import { startProcess } from "../../../runtime/process/start-process.ts";
import { renderTemplate } from "../../../runtime/template.ts";
import { Wait } from "../../../runtime/wait/wait.ts";
import type { BackendSpec } from "../runtime.ts";
import type { DockerLaneNetwork } from "./lane-network.ts";

/**
 * A backend run as a host process: containers reach it through `host-gateway`, so it listens on the
 * default bridge's gateway address (not 0.0.0.0: that would expose it to the whole network). Its env
 * was templated with the boxes' internal names, which the host cannot resolve; they are rewritten to
 * the 127.0.0.1 mappings of the same boxes.
 */
export async function startBackendOnHost(
  lane: DockerLaneNetwork,
  spec: BackendSpec,
  command: NonNullable<BackendSpec["command"]>,
): Promise<StartedBox> {
  const gateway = await lane.session.bridgeGateway();
  const port = spec.port ?? (await reservePort(gateway));
  const vars = { port: String(port), host: gateway };
  const rewrite = (value: string) => lane.addresses.rewrite(value);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env)) {
    env[key] = rewrite(renderTemplate(value, vars, `backend "${spec.name}" env ${key}`));
  }
  const args = command.args.map((arg) => rewrite(renderTemplate(arg, vars, `backend "${spec.name}" args`)));
  const child = await startProcess({
    name: `backend "${spec.name}"`,
    command: command.command,
    args,
    env,
    ...(command.cwd ? { cwd: command.cwd } : {}),
    ports: [{ host: gateway, port }],
    readiness: Wait.forHttp(`http://${hostPort(gateway, port)}${spec.healthPath}`).withTimeout(
      spec.readyTimeoutMs,
    ),
  });
  return {
    name: spec.name,
    address: { internal: { host: HOST_GATEWAY_NAME, port }, external: { host: gateway, port } },
    logs: () => child.logs().map((l) => ({ t: l.t, line: l.line, source: l.stream })),
    alive: async () => child.alive(),
    exited: child.exited,
    [Symbol.asyncDispose]: () => child[Symbol.asyncDispose](),
  };
}
