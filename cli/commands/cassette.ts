import { resolve } from "node:path";
import { loadCassette, providerNames } from "../../fakes/index.ts";
import { UserError } from "../../lib/errors.ts";
import { parseCommandArgs, parseProviderFlag, requiredFlag } from "../args.ts";
import { type ImportFormat, importCassettes } from "../cassette/import.ts";
import { showJson, showText } from "../cassette/show.ts";
import type { CliCommand, CliIO } from "../command.ts";
import { renderHelp } from "../help.ts";

const IMPORT_USAGE =
  "streamchaos cassette import FILE --out DIR [--provider NAME] [--format auto|har|sse|ndjson]";
const SHOW_USAGE = "streamchaos cassette show FILE [--json]";
const USAGE = "streamchaos cassette import|show ...";
const FORMATS: readonly ImportFormat[] = ["auto", "har", "sse", "ndjson"];

const IMPORT_HELP = renderHelp(
  IMPORT_USAGE,
  [
    "Turns a capture you already have into cassettes in DIR: a HAR file saved from the browser's",
    "devtools (each streamed response: text/event-stream or NDJSON), or a raw `curl -N` capture",
    "(SSE, NDJSON or a streamed JSON array; `curl -iN` keeps the status and headers). Neither holds",
    "per-write times: each event becomes one write, spread over the HAR's receive time or at 0 ms.",
  ],
  [
    { flag: "FILE", meaning: "the HAR or capture to import", default: "required", example: "session.har" },
    {
      flag: "--out DIR",
      meaning: "folder for the cassettes, created if missing",
      default: "required",
      example: "--out ./cassettes",
    },
    {
      flag: "--provider NAME",
      meaning: `whose wire format it is (${providerNames.join(", ")})`,
      default: "recognised from the path, events and headers",
      example: "--provider openai",
    },
    {
      flag: "--format F",
      meaning: "read FILE as a HAR, SSE or NDJSON",
      default: "auto: a HAR if it is one, else read off the bytes",
      example: "--format ndjson",
    },
  ],
);

const SHOW_HELP = renderHelp(
  SHOW_USAGE,
  [
    "Prints a cassette's exchange, then one line per provider event: index, byte offset, length,",
    "time (ms after the response headers), event type and a preview, to choose where to break it.",
  ],
  [
    {
      flag: "FILE",
      meaning: "the .cassette.json to show",
      default: "required",
      example: "cassettes/001-openai-v1-chat-completions.cassette.json",
    },
    {
      flag: "--json",
      meaning: "print JSON for machines (every event's data in full)",
      default: "off",
      example: "--json | jq '.events[3]'",
    },
  ],
);

const HELP = `Usage: ${USAGE}\n\nSubcommands:\n  import  ${IMPORT_USAGE}\n  show    ${SHOW_USAGE}\n\nRun \`streamchaos cassette import --help\` or \`streamchaos cassette show --help\` for their flags.\n`;

function positional(positionals: string[], usage: string): string {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    throw new UserError("CLI_USAGE", {
      what: file === undefined ? "Missing FILE" : `One FILE at a time, got ${positionals.length}`,
      fix: `Usage: ${usage}`,
    });
  }
  return file;
}

async function runImport(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      out: { type: "string" },
      provider: { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    IMPORT_USAGE,
  );
  if (values.help) {
    io.stdout.write(IMPORT_HELP);
    return 0;
  }
  const file = positional(positionals, IMPORT_USAGE);
  const out = resolve(requiredFlag("out", values.out, "--out ./cassettes", IMPORT_USAGE));
  const format = (values.format ?? "auto") as ImportFormat;
  if (!FORMATS.includes(format)) {
    throw new UserError("CLI_USAGE", {
      what: `Invalid --format "${values.format}"`,
      fix: `Use one of: ${FORMATS.join(", ")}.`,
    });
  }
  const provider = parseProviderFlag(values.provider, "to recognise it");
  const lines = await importCassettes(file, { out, format, provider });
  io.stdout.write(`cassette import: ${file}\n${lines.join("\n")}\n`);
  return 0;
}

async function runShow(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    SHOW_USAGE,
  );
  if (values.help) {
    io.stdout.write(SHOW_HELP);
    return 0;
  }
  const file = positional(positionals, SHOW_USAGE);
  const cassette = await loadCassette(file);
  io.stdout.write(values.json ? showJson(file, cassette) : showText(file, cassette));
  return 0;
}

const subcommands: Record<string, (argv: string[], io: CliIO) => Promise<number>> = {
  import: runImport,
  show: runShow,
};

const command: CliCommand = {
  name: "cassette",
  summary: "Import HAR files and curl captures as cassettes; show a cassette's events",
  usage: USAGE,
  async run(argv, io) {
    const [name, ...rest] = argv;
    if (name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(HELP);
      return 0;
    }
    const sub = name === undefined ? undefined : subcommands[name];
    if (!sub) {
      throw new UserError("CLI_USAGE", {
        what: name === undefined ? "Missing subcommand" : `Unknown subcommand "${name}"`,
        fix: `Run \`streamchaos cassette import ...\` or \`streamchaos cassette show ...\`; see \`streamchaos cassette --help\`.`,
      });
    }
    return sub(rest, io);
  },
};

export default command;
