import { resolve } from "node:path";
import { loadCassette, providerNames } from "../../fakes/index.ts";
import { UserError } from "../../lib/errors.ts";
import { parseProviderFlag } from "../args.ts";
import { type ImportFormat, importCassettes } from "../cassette/import.ts";
import { showJson, showText } from "../cassette/show.ts";
import type { CliCommand, CliIO } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";

const FORMATS: readonly ImportFormat[] = ["auto", "har", "sse", "ndjson"];

const IMPORT_SPEC = {
  command: "streamchaos cassette import",
  about: [
    "Turns a capture you already have into cassettes in DIR: a HAR file saved from the browser's",
    "devtools (each streamed response: text/event-stream or NDJSON), or a raw `curl -N` capture",
    "(SSE, NDJSON or a streamed JSON array; `curl -iN` keeps the status and headers). Neither holds",
    "per-write times: each event becomes one write, spread over the HAR's receive time or at 0 ms.",
  ],
  positionals: [
    { name: "FILE", description: "the HAR or capture to import", example: "session.har", required: true },
  ],
  flags: [
    {
      name: "out",
      type: "string",
      value: "DIR",
      default: "required",
      description: "folder for the cassettes, created if missing",
      example: "--out ./cassettes",
    },
    {
      name: "provider",
      type: "string",
      value: "NAME",
      default: "recognised from the path, events and headers",
      description: `whose wire format it is (${providerNames.join(", ")})`,
      example: "--provider openai",
    },
    {
      name: "format",
      type: "string",
      value: FORMATS.join("|"),
      default: "auto: a HAR if it is one, else read off the bytes",
      description: "read FILE as a HAR, SSE or NDJSON",
      example: "--format ndjson",
    },
  ],
} as const satisfies CommandSpec;

const SHOW_SPEC = {
  command: "streamchaos cassette show",
  about: [
    "Prints a cassette's exchange, then one line per provider event: index, byte offset, length,",
    "time (ms after the response headers), event type and a preview, to choose where to break it.",
  ],
  positionals: [
    {
      name: "FILE",
      description: "the .cassette.json to show",
      example: "cassettes/001-openai-v1-chat-completions.cassette.json",
      required: true,
    },
  ],
  flags: [
    {
      name: "json",
      type: "boolean",
      default: "off",
      description: "print JSON for machines (every event's data in full)",
      example: "--json | jq '.events[3]'",
    },
  ],
} as const satisfies CommandSpec;

const USAGE = "streamchaos cassette import|show ...";

const HELP = `Usage: ${USAGE}\n\nSubcommands:\n  import  ${synopsis(IMPORT_SPEC)}\n  show    ${synopsis(SHOW_SPEC)}\n\nRun \`streamchaos cassette import --help\` or \`streamchaos cassette show --help\` for their flags.\n`;

async function runImport(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommand(argv, IMPORT_SPEC, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const file = positionals[0]!;
  const out = resolve(values.out!);
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
  const parsed = parseCommand(argv, SHOW_SPEC, io);
  if (!parsed) return 0;
  const file = parsed.positionals[0]!;
  const cassette = await loadCassette(file);
  io.stdout.write(parsed.values.json ? showJson(file, cassette) : showText(file, cassette));
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
