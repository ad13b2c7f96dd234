import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
// The server's own modules, not fakes/index.ts: that entry also loads the cassette recorder, the
// HAR and curl importers and the admin client, which a running fake never uses (~1.5 MB of RSS).
import type { ProviderName } from "../../fakes/journal-types.ts";
import { providerNames } from "../../fakes/providers/registry.ts";
import { validateScript } from "../../fakes/script.ts";
import { startFakeProvider } from "../../fakes/server.ts";
import { UserError } from "../../lib/errors.ts";
import { IdleHeapHold } from "../../lib/idle-heap.ts";
import { isLoopback, LOOPBACK } from "../../lib/net.ts";
import { parseIntegerFlag } from "../args.ts";
import { type CliCommand, untilStopped } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";

/** A fake left running for an incident session keeps this many finished requests by default. */
const DEFAULT_JOURNAL_LIMIT = 1000;

const SPEC = {
  command: "streamchaos fake",
  about: [
    "The fake LLM providers, streaming as the real APIs do, until Ctrl-C. Point your backend's",
    "provider base URL at it; the admin API (its own port) scripts faults and reads the journal.",
  ],
  flags: [
    {
      name: "provider",
      type: "string",
      value: "NAME",
      default: "all",
      description: `all, or one of ${providerNames.join(", ")}`,
      example: "--provider anthropic",
    },
    {
      name: "port",
      type: "string",
      value: "N",
      default: "0 (the system picks)",
      description: "port of the provider routes",
      example: "--port 4010",
    },
    {
      name: "host",
      type: "string",
      value: "ADDR",
      default: LOOPBACK,
      description: "address of the provider routes",
      example: "--host 0.0.0.0",
    },
    {
      name: "admin-port",
      type: "string",
      value: "N",
      default: "0 (the system picks)",
      description: "port of the admin API",
      example: "--admin-port 4011",
    },
    {
      name: "admin-host",
      type: "string",
      value: "ADDR",
      default: LOOPBACK,
      description: "address of the admin API (beyond loopback only on purpose)",
      example: "--admin-host 0.0.0.0",
    },
    {
      name: "script",
      type: "string",
      value: "FILE",
      default: "none: every request streams a plain answer",
      description: "a JSON script of faults and answers (fakes/script.ts)",
      example: "--script faults.json",
    },
    {
      name: "journal-limit",
      type: "string",
      value: "N",
      default: String(DEFAULT_JOURNAL_LIMIT),
      description: "finished requests the journal keeps, oldest dropped first",
      example: "--journal-limit 100000",
    },
    {
      name: "shrink-when-idle",
      type: "boolean",
      default: "off: the heap keeps its busiest size, and its compiled code, between bursts",
      description: "let V8 shrink the heap a few seconds after each burst (the next burst starts colder)",
      example: "--shrink-when-idle",
    },
  ],
} as const satisfies CommandSpec;

function parseJournalLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_JOURNAL_LIMIT;
  const parsed = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new UserError("CLI_USAGE", {
      what: `Invalid --journal-limit "${value}"`,
      why: "it is how many finished requests the journal keeps (oldest dropped first): a whole number from 1",
      fix: `Leave it out for ${DEFAULT_JOURNAL_LIMIT}, or pass e.g. --journal-limit 100000 to keep more.`,
    });
  }
  return parsed;
}

async function loadScript(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UserError("FAKE_SCRIPT_UNREADABLE", {
      what: `Cannot read the script file ${path}`,
      why: (error as NodeJS.ErrnoException).code ?? String(error),
      fix: "Pass the path of a JSON script with --script.",
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError("FAKE_INVALID_SCRIPT", {
      what: `The script file ${path} is not JSON`,
      why: error instanceof Error ? error.message : String(error),
      fix: "Scripts are plain JSON objects; see fakes/script.ts for the format.",
    });
  }
}

const command: CliCommand = {
  name: "fake",
  summary: "Run the fake LLM providers (OpenAI, Anthropic, Gemini, OpenRouter, Ollama) until stopped",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values } = parsed;
    const provider = values.provider ?? "all";
    if (provider !== "all" && !(providerNames as string[]).includes(provider)) {
      throw new UserError("FAKE_UNKNOWN_PROVIDER", {
        what: `Unknown provider "${provider}"`,
        fix: `Use --provider all or one of: ${providerNames.join(", ")}.`,
      });
    }
    const port = parseIntegerFlag("port", values.port, 0);
    const adminPort = parseIntegerFlag("admin-port", values["admin-port"], 0);
    const journalLimit = parseJournalLimit(values["journal-limit"]);
    const script =
      values.script === undefined
        ? {}
        : // A cassette the script replays is found beside the script file.
          validateScript(await loadScript(values.script), `script file ${values.script}`, {
            baseDir: dirname(resolve(values.script)),
          });
    const host = values.host ?? LOOPBACK;
    // --host exposes the provider routes only: the admin API goes beyond loopback on its own flag.
    const adminHost = values["admin-host"] ?? LOOPBACK;
    // This process is the fake alone, so the heap is its to keep between bursts (lib/idle-heap.ts).
    using hold = values["shrink-when-idle"] ? undefined : new IdleHeapHold();
    await using fake = await startFakeProvider({
      host,
      adminHost,
      port,
      adminPort,
      script,
      journalLimit,
      onBusyChange: hold?.busyChanged,
    });
    // One server speaks every route; --provider only narrows what is printed.
    const shown: ProviderName[] = provider === "all" ? providerNames : [provider as ProviderName];
    if (!isLoopback(adminHost)) {
      io.stderr.write(
        `fake: warning: the admin API on ${fake.adminUrl.replace(/^http:\/\//, "")} has no authentication and listens beyond loopback: anyone who can reach it can change the script (what every request is answered with) and read the journal (request headers and bodies, secrets masked). Leave out --admin-host to keep it on ${LOOPBACK}.\n`,
      );
    }
    const adminNote =
      isLoopback(adminHost) && !isLoopback(host) ? `; on ${LOOPBACK} only, --admin-host exposes it` : "";
    io.stdout.write(
      [
        `fake: listening on ${fake.url} (admin API always on ${fake.adminUrl}/__streamchaos/${adminNote})`,
        ...shown.map((p) => `  ${p.padEnd(17)} base URL ${fake.baseUrl(p)}`),
        `  script: ${values.script ?? "(default clean stream)"}; change it with PUT ${fake.adminUrl}/__streamchaos/script`,
        `  journal: GET ${fake.adminUrl}/__streamchaos/journal, the last ${journalLimit} finished requests`,
        "  Ctrl-C stops it.",
        "",
      ].join("\n"),
    );
    await untilStopped(io);
    io.stdout.write("fake: stopped\n");
    return 0;
  },
};

export default command;
