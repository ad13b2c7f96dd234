import { Wait } from "testcontainers";
import { caddyEdge, classifyCaddyLine } from "../../../../proxies/caddy/caddy-edge.ts";
import { patchCaddyJson } from "../../../../proxies/caddy/caddy-json.ts";
import { configErrorAt, type UserConfigRules } from "../../../../proxies/edge.ts";
import { runOneShot } from "../../../../runtime/docker/one-shot.ts";
import type { StartedBox } from "../../runtime.ts";
import { EDGE_PORT } from "../ports.ts";
import { type DockerEdge, renderForContainer } from "./docker-edge.ts";

// The local edge's rules are private to proxies/caddy; inside a container the edge listens on
// every interface of its own namespace, so a bare `{{port}}` needs no narrowing to loopback here.
const userConfigRules: UserConfigRules = {
  placeholderExample: "`http://:{{port}} {` and `reverse_proxy {{upstream}}`",
  tlsPlaceholderExample:
    "a second site `https://:{{tls.port}} {` with `tls {{tls.cert}} {{tls.key}}` and the same `reverse_proxy {{upstream}}`",
};

const CADDYFILE = "/tmp/Caddyfile";
const JSON_CONFIG = "/etc/streamchaos/caddy/caddy.json";

/**
 * Caddy as the local edge runs it: the Caddyfile adapted to JSON (inside a one-shot container of the
 * same image, so the host needs no caddy) and patched (admin off, auto-HTTPS off, JSON logs on stderr
 * with access logs), then `caddy run` on the JSON.
 */
export const caddyDockerEdge: DockerEdge = {
  name: "caddy",
  async start(lane, spec): Promise<StartedBox> {
    const image = await lane.session.image("caddy");
    const config = await renderForContainer(caddyEdge, spec, userConfigRules);
    const adapted = await runOneShot(lane.session, {
      image: image.ref,
      // The Caddyfile travels in the environment: no archive to build for a one-shot container.
      entrypoint: [
        "/bin/sh",
        "-c",
        `printf '%s' "$CADDYFILE" > ${CADDYFILE} && exec caddy adapt --config ${CADDYFILE} --adapter caddyfile --validate`,
      ],
      env: { CADDYFILE: config.text },
    });
    if (adapted.code !== 0) {
      const output = adapted.stderr + adapted.stdout;
      const message = /Error: (.*)$/m.exec(output)?.[1] ?? output.trim();
      const at = new RegExp(`${CADDYFILE.replace(/\//g, "\\/")}:(\\d+)(?::\\s*)?`).exec(message);
      const why = message
        .replace(/^adapting config using caddyfile(?: adapter)?: /, "")
        .replace(at?.[0] ?? "\u0000", "");
      throw configErrorAt("caddy", config, why.trim(), at ? Number(at[1]) : undefined, output);
    }
    const json = patchCaddyJson(JSON.parse(adapted.stdout) as Record<string, unknown>, { host: "0.0.0.0" });
    return lane.startContainer(
      {
        box: "edge",
        name: `caddy:${config.label}`,
        aliasBase: "edge",
        image: image.ref,
        entrypoint: ["caddy"],
        command: ["run", "--config", JSON_CONFIG],
        ports: [EDGE_PORT],
        files: [{ content: JSON.stringify(json, null, 2), target: JSON_CONFIG }],
        wait: Wait.forAll([Wait.forLogMessage(/serving initial configuration/), Wait.forListeningPorts()]),
        classify: (line) => classifyCaddyLine(line).source,
      },
      EDGE_PORT,
    );
  },
};
