import { startToxiproxyServer, TOXIPROXY_VERSION, toxicTypeNames } from "../../proxies/toxiproxy/index.ts";
import { parseCommandArgs, parseIntegerFlag } from "../args.ts";
import type { CliCommand } from "../command.ts";

const USAGE = "streamchaos toxiproxy [--port 8474] [--host 127.0.0.1]";

const command: CliCommand = {
  name: "toxiproxy",
  summary: `Run the embedded Toxiproxy ${TOXIPROXY_VERSION}-compatible server until stopped`,
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      { port: { type: "string" }, host: { type: "string" }, help: { type: "boolean", short: "h" } },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const port = parseIntegerFlag("port", values.port, 8474);
    await using server = await startToxiproxyServer({ host: values.host ?? "127.0.0.1", port });
    const hostPort = server.url.replace(/^http:\/\//, "");
    io.stdout.write(
      [
        `toxiproxy: Toxiproxy ${TOXIPROXY_VERSION}-compatible API listening on ${server.url}`,
        `  use it:  TOXIPROXY_URL=${server.url}   or   toxiproxy-cli -h ${hostPort} list`,
        `  toxics:  ${toxicTypeNames().join(", ")}`,
        "  Ctrl-C stops it and closes every proxy.",
        "",
      ].join("\n"),
    );
    if (!io.stopSignal.aborted) {
      await new Promise<void>((resolve) =>
        io.stopSignal.addEventListener("abort", () => resolve(), { once: true }),
      );
    }
    io.stdout.write("toxiproxy: stopped\n");
    return 0;
  },
};

export default command;
