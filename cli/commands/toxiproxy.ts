import { UserError } from "../../lib/errors.ts";
import { isLoopback, LOOPBACK } from "../../lib/net.ts";
import {
  isHotLoopWindow,
  startToxiproxyServer,
  TOXIPROXY_VERSION,
  toxicTypeNames,
} from "../../proxies/toxiproxy/index.ts";
import { parseIntegerFlag } from "../args.ts";
import { type CliCommand, untilStopped } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";

const SPEC = {
  command: "streamchaos toxiproxy",
  about: [
    `A Toxiproxy ${TOXIPROXY_VERSION}-compatible server (its HTTP API, toxics and toxiproxy-cli work`,
    "against it) running until Ctrl-C, which closes every proxy.",
  ],
  flags: [
    {
      name: "port",
      type: "string",
      value: "N",
      default: "8474",
      description: "API port; 0 lets the system pick",
      example: "--port 0",
    },
    {
      name: "host",
      type: "string",
      value: "ADDR",
      default: LOOPBACK,
      description: "API address; beyond loopback anyone who reaches it controls the proxies",
      example: "--host 0.0.0.0",
    },
    {
      name: "hot-loop-ms",
      type: "string",
      value: "MS",
      default: "0.2",
      description: "how long a proxy polls after traffic before sleeping, 0 to 1000",
      example: "--hot-loop-ms 0",
    },
    {
      name: "taps",
      type: "boolean",
      default: "off",
      description: "record each proxy's bytes, read with GET /proxies/{name}/taps",
      example: "--taps",
    },
  ],
} as const satisfies CommandSpec;

const command: CliCommand = {
  name: "toxiproxy",
  summary: `Run the embedded Toxiproxy ${TOXIPROXY_VERSION}-compatible server until stopped`,
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values } = parsed;
    const port = parseIntegerFlag("port", values.port, 8474);
    const hotLoopMs = parseHotLoopFlag(values["hot-loop-ms"]);
    const host = values.host ?? LOOPBACK;
    const taps = values.taps === true;
    await using server = await startToxiproxyServer({ host, port, hotLoopMs, taps });
    const hostPort = server.url.replace(/^http:\/\//, "");
    // The API is the product, so --host is the decision to expose it; say what that hands out.
    if (!isLoopback(host)) {
      io.stderr.write(
        `toxiproxy: warning: the Toxiproxy API on ${hostPort} has no authentication and listens beyond loopback: anyone who can reach it can create proxies (open ports on this machine that forward anywhere) and cut, slow or reset every connection through them. Leave out --host to keep it on ${LOOPBACK}.\n`,
      );
    }
    io.stdout.write(
      [
        `toxiproxy: Toxiproxy ${TOXIPROXY_VERSION}-compatible API listening on ${server.url}`,
        `  use it:  TOXIPROXY_URL=${server.url}   or   toxiproxy-cli -h ${hostPort} list`,
        `  toxics:  ${toxicTypeNames().join(", ")}`,
        ...(taps
          ? ["  taps:    on, read with GET /proxies/{name}/taps (an extension real Toxiproxy lacks)"]
          : []),
        "  Ctrl-C stops it and closes every proxy.",
        "",
      ].join("\n"),
    );
    await untilStopped(io);
    io.stdout.write("toxiproxy: stopped\n");
    return 0;
  },
};

function parseHotLoopFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Number("") is 0: an empty value is a slip, not a request to switch polling off.
  const parsed = value.trim() === "" ? Number.NaN : Number(value);
  if (!isHotLoopWindow(parsed)) {
    throw new UserError("CLI_USAGE", {
      what: `Invalid --hot-loop-ms "${value}"`,
      why: "it must be a number of milliseconds from 0 (never poll after traffic) to 1000",
      fix: "Leave it out for the default (0.2), or pass e.g. --hot-loop-ms 0 to let the proxy sleep when idle.",
    });
  }
  return parsed;
}

export default command;
