import { Wait } from "testcontainers";
import { isUserError, StreamchaosError, UserError } from "../../../../lib/errors.ts";
import { configErrorAt, type RenderedConfig, type UserConfigRules } from "../../../../proxies/edge.ts";
import { rewriteNginxConf } from "../../../../proxies/nginx/nginx-conf.ts";
import { nginxEdge } from "../../../../proxies/nginx/nginx-edge.ts";
import type { StartedBox } from "../../runtime.ts";
import { EDGE_PORT } from "../ports.ts";
import { type DockerEdge, renderForContainer } from "./docker-edge.ts";

// The local edge's rules are private to proxies/nginx; inside a container the edge listens on
// every interface of its own namespace, so a bare `{{port}}` needs no narrowing to loopback here.
const userConfigRules: UserConfigRules = {
  placeholderExample: "`listen {{port}};` and `proxy_pass http://{{upstream}};`",
  tlsPlaceholderExample:
    "in the same server block: `listen {{tls.port}} ssl http2;`, `ssl_certificate {{tls.cert}};` and `ssl_certificate_key {{tls.key}};`",
};

/** Paths baked into docker/nginx.Dockerfile (its ENTRYPOINT reads the config from CONF). */
const DIR = "/var/lib/streamchaos/nginx";
const CONF = "/etc/streamchaos/nginx/nginx.conf";

export const nginxDockerEdge: DockerEdge = {
  name: "nginx",
  async start(lane, spec): Promise<StartedBox> {
    const image = await lane.session.image("nginx");
    const config = await renderForContainer(nginxEdge, spec, userConfigRules);
    if (config.userFile && /^\s*include\s+(?!\/)/m.test(config.text)) {
      throw new UserError("EDGE_CONFIG_UNSUPPORTED", {
        what: `${config.userFile} includes files by relative path`,
        why: "the docker runtime copies only the config file itself into the nginx container",
        fix: "Inline the included files, or run this config with --runtime local.",
      });
    }
    // The same rewrite as a local nginx: daemon off, error_log on stderr at info, private temp paths;
    // the access log file is a symlink to the container's stdout (docker/nginx.Dockerfile).
    const text = rewriteNginxConf(config.text, { dir: DIR });
    try {
      return await lane.startContainer(
        {
          box: "edge",
          name: `nginx:${config.label}`,
          aliasBase: "edge",
          image: image.ref,
          ports: [EDGE_PORT],
          files: [{ content: text, target: CONF }],
          // The master logs "start worker process" once every listen socket is bound.
          wait: Wait.forAll([Wait.forLogMessage(/start worker process/), Wait.forListeningPorts()]),
          classify: (line) => (line.stream === "stderr" ? "error.log" : "access.log"),
        },
        EDGE_PORT,
      );
    } catch (error) {
      throw located(error, config) ?? error;
    }
  },
};

/** An `[emerg] ... in /etc/streamchaos/nginx/nginx.conf:12` in the failed container's output, mapped back. */
function located(error: unknown, config: RenderedConfig): StreamchaosError | undefined {
  if (!isUserError(error) && !(error instanceof StreamchaosError)) return undefined;
  const output = error.details.join("\n");
  const match = /\[emerg\] (?:\d+#\d+: )?(.*?) in \/etc\/streamchaos\/nginx\/nginx\.conf:(\d+)/.exec(output);
  if (!match) return undefined;
  return configErrorAt("nginx", config, match[1]!, Number(match[2]), output);
}
