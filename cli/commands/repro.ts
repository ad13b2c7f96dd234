import { resolve } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { readRunResult } from "../../reports/index.ts";
import { parseCommandArgs, requiredFlag } from "../args.ts";
import type { CliCommand } from "../command.ts";
import { renderHelp } from "../help.ts";
import { findResult, parseTarget, writeRepro } from "../repro/bundle.ts";

const USAGE = "streamchaos repro RESULTS.json SCENARIO@BACKEND/EDGE[:PROFILE] --out DIR";

const HELP = renderHelp(
  USAGE,
  [
    "Writes a folder that re-runs one result of a run: streamchaos.config.json with that backend,",
    "that edge and only that scenario, the scenario as a file with the cassettes it replays, your",
    "edge config if it had one, the original result, and a README with the one command and the",
    "original verdict. Running it gives the same verdict and failing checks while the cause is there.",
  ],
  [
    {
      flag: "RESULTS.json",
      meaning: "the results.json of the run (the json reporter)",
      default: "required",
      example: ".streamchaos/report/results.json",
    },
    {
      flag: "SCENARIO@BACKEND/EDGE",
      meaning: "the result to reproduce; add :PROFILE when the edge ran with several",
      default: "required",
      example: "mid-connection-rst@node-openai/nginx",
    },
    {
      flag: "--out DIR",
      meaning: "the folder to write, created if missing",
      default: "required",
      example: "--out ./repro",
    },
    { flag: "-h, --help", meaning: "this text", default: "off", example: "streamchaos repro --help" },
  ],
);

const command: CliCommand = {
  name: "repro",
  summary: "Write a self-contained folder that re-runs one result of a run",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { out: { type: "string" }, help: { type: "boolean", short: "h" } },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const [file, name, ...extra] = positionals;
    if (file === undefined || name === undefined || extra.length > 0) {
      throw new UserError("CLI_USAGE", {
        what:
          file === undefined
            ? "Missing RESULTS.json"
            : name === undefined
              ? "Missing the result to reproduce"
              : "Too many arguments",
        fix: `Usage: ${USAGE}`,
      });
    }
    const out = resolve(requiredFlag("out", values.out, "--out ./repro", USAGE));
    const run = await readRunResult(resolve(file), "run to reproduce");
    const result = findResult(run, parseTarget(name, USAGE));
    const written = await writeRepro(run, result, out);
    io.stdout.write(
      [
        `repro: ${name} (${result.status}) → ${written.dir}`,
        ...written.files.map((f) => `  ${f}`),
        ...written.notes.map((n) => `  note: ${n}`),
        `  run it: ${written.command}`,
        "",
      ].join("\n"),
    );
    return 0;
  },
};

export default command;
