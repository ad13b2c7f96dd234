import { resolve } from "node:path";
import {
  cassetteBody,
  type ProviderName,
  providerNames,
  providers,
  type SavedCassette,
  startRecorder,
} from "../../fakes/index.ts";
import { renderUserError, StreamchaosError } from "../../lib/errors.ts";
import { parseIntegerFlag, parseProviderFlag } from "../args.ts";
import { type CliCommand, untilStopped } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";

const SPEC = {
  command: "streamchaos record",
  about: [
    "A recording reverse proxy: point your backend's provider base URL at it (it prints the URL to",
    "use) and use your app. Each exchange with the provider passes through unchanged and unbuffered,",
    "and is saved as DIR/NNN-<provider>-<path>.cassette.json when it ends. Ctrl-C saves the",
    "exchanges still streaming, marked cut short, and stops.",
  ],
  flags: [
    {
      name: "target",
      type: "string",
      value: "URL",
      default: "required",
      description: "the provider's base URL, where requests are forwarded",
      example: "--target https://api.openai.com",
    },
    {
      name: "out",
      type: "string",
      value: "DIR",
      default: "required",
      description: "folder for the cassettes, created if missing",
      example: "--out ./cassettes",
    },
    {
      name: "port",
      type: "string",
      value: "N",
      default: "0",
      description: "port to listen on; 0 lets the system pick",
      example: "--port 4010",
    },
    {
      name: "host",
      type: "string",
      value: "ADDR",
      default: "127.0.0.1",
      description: "address to listen on",
      example: "--host 0.0.0.0",
    },
    {
      name: "provider",
      type: "string",
      value: "NAME",
      default: "every provider the target can serve",
      description: `print only this provider's base URL (${providerNames.join(", ")})`,
      example: "--provider anthropic",
    },
  ],
} as const satisfies CommandSpec;

/** `OPENAI_BASE_URL=http://127.0.0.1:4010/v1   openai, openai-responses`: one line per distinct setting. */
function baseUrlLines(
  baseUrl: (p: ProviderName) => string | undefined,
  shown: readonly ProviderName[],
): string[] {
  const settings = new Map<string, ProviderName[]>();
  for (const provider of shown) {
    const url = baseUrl(provider);
    if (url === undefined) continue;
    const setting = `${providers[provider].baseUrlEnv}=${url}`;
    settings.set(setting, [...(settings.get(setting) ?? []), provider]);
  }
  const width = Math.max(0, ...[...settings.keys()].map((s) => s.length));
  return [...settings].map(([setting, names]) => `    ${setting.padEnd(width)}   ${names.join(", ")}`);
}

function savedLine(saved: SavedCassette): string {
  const { cassette } = saved;
  const request = cassette.request;
  const response = cassette.response;
  const bytes = cassetteBody(cassette).bytes.length;
  const answer = response
    ? `${response.status}, ${response.writes.length} writes, ${bytes} bytes`
    : "no response";
  const how =
    cassette.end.how === "complete"
      ? ""
      : `, ${cassette.end.how}${cassette.end.error ? ` (${cassette.end.error})` : ""}`;
  return `  saved ${saved.file}  ${request?.method ?? ""} ${request?.path ?? ""} → ${answer}${how}`;
}

const command: CliCommand = {
  name: "record",
  summary: "Record real provider exchanges as cassettes through a reverse proxy, until stopped",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values } = parsed;
    // parseCommand has refused a run without them: both are "required" in SPEC.
    const target = values.target!;
    const out = resolve(values.out!);
    const port = parseIntegerFlag("port", values.port, 0);
    const provider = parseProviderFlag(values.provider, "to see them all");
    await using recorder = await startRecorder({
      target,
      out,
      host: values.host ?? "127.0.0.1",
      port,
      onSaved: (saved) => io.stdout.write(`${savedLine(saved)}\n`),
      onSaveError: (error, number) => {
        const info =
          error instanceof StreamchaosError
            ? error
            : new StreamchaosError("RECORD_SAVE_FAILED", {
                what: `Cassette ${number} could not be written to ${out}`,
                why: error instanceof Error ? error.message : String(error),
                fix: "Free some space or fix the folder's permissions; the proxying goes on.",
              });
        io.stderr.write(`${renderUserError(info)}\n`);
      },
    });
    const shown = provider === undefined ? providerNames : [provider];
    const lines = baseUrlLines((p) => recorder.baseUrl(p), shown);
    io.stdout.write(
      [
        `record: ${recorder.url} → ${recorder.target.href}, cassettes in ${recorder.dir}`,
        ...(lines.length > 0
          ? ["  point your backend at it (instead of the provider's URL):", ...lines]
          : [
              `  no provider's base URL fits under ${recorder.target.href}: send requests to ${recorder.url}<path>`,
            ]),
        "  each exchange is saved when it ends; Ctrl-C saves those in flight (cut short) and stops.",
        "",
      ].join("\n"),
    );
    await untilStopped(io);
    const inFlight = recorder.inFlight();
    await recorder[Symbol.asyncDispose]();
    io.stdout.write(
      `record: stopped${inFlight > 0 ? ` (${inFlight} cut short)` : ""}; ${recorder.saved().length} cassette(s) in ${recorder.dir}\n`,
    );
    return 0;
  },
};

export default command;
