import { resolve } from "node:path";
import { readRunResult } from "../../reports/index.ts";
import type { CliCommand } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";
import { findResult, parseTarget, writeRepro } from "../repro/bundle.ts";

const SPEC = {
  command: "streamchaos repro",
  about: [
    "Writes a folder that re-runs one result of a run: streamchaos.config.json with that backend,",
    "that edge and only that scenario, the scenario as a file with the cassettes it replays, your",
    "edge config if it had one, the original result, and a README with the one command and the",
    "original verdict. Running it gives the same verdict and failing checks while the cause is there.",
  ],
  positionals: [
    {
      name: "RESULTS.json",
      description: "the results.json of the run (the json reporter)",
      example: ".streamchaos/report/results.json",
      required: true,
    },
    {
      name: "SCENARIO@BACKEND/EDGE[:PROFILE]",
      description: "the result to reproduce; add :PROFILE when the edge ran with several",
      example: "mid-connection-rst@node-openai/nginx",
      required: true,
    },
  ],
  flags: [
    {
      name: "out",
      type: "string",
      value: "DIR",
      default: "required",
      description: "the folder to write, created if missing",
      example: "--out ./repro",
    },
  ],
} as const satisfies CommandSpec;

const command: CliCommand = {
  name: "repro",
  summary: "Write a self-contained folder that re-runs one result of a run",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const [file, name] = parsed.positionals as [string, string];
    const out = resolve(parsed.values.out!);
    const run = await readRunResult(resolve(file), "run to reproduce");
    const result = findResult(run, parseTarget(name, synopsis(SPEC)));
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
