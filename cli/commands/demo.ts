import { resolveConfig } from "../../harness/config.ts";
import { demoConfig, PYTHON_INSTALL, pythonBackendAvailable } from "../../harness/demo.ts";
import { DETECTION_MATRIX } from "../../harness/detection-matrix.ts";
import type { CliCommand } from "../command.ts";
import { type CommandSpec, type Flag, parseCommand, synopsis } from "../flags.ts";
import { applyRunFlags, executeRun, RUN_FLAGS } from "./run.ts";

const SPEC = {
  command: "streamchaos demo",
  about: [
    "Runs the full catalog against the bundled reference backends (Node, and FastAPI when Debian's",
    "FastAPI stack is installed) behind direct, nginx and caddy: no config needed. Takes run's flags.",
  ],
  positionals: [
    {
      name: "GLOB",
      description: "scenario ids or globs to run, with --scenario's",
      example: "'mid-*'",
      variadic: true,
    },
  ],
  flags: [
    {
      name: "bugs",
      type: "boolean",
      default: "off",
      description:
        "also run every bug switch of the reference backends; each must fail exactly its scenarios",
      example: "--bugs",
    },
    ...RUN_FLAGS.filter((flag) => flag.name !== "config"),
  ],
} as const satisfies CommandSpec & { flags: readonly Flag[] };

const command: CliCommand = {
  name: "demo",
  summary: "Run the full catalog against the bundled reference backends (no setup needed)",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const python = pythonBackendAvailable();
    if (!python)
      io.stderr.write(
        `streamchaos: skipping the FastAPI backends: Debian's FastAPI stack is missing (${PYTHON_INSTALL})\n`,
      );
    const raw = demoConfig({
      python,
      edges: ["direct", "nginx", "caddy"],
      bugs: Boolean(values.bugs),
      expectations: DETECTION_MATRIX,
    });
    const config = applyRunFlags(resolveConfig(raw, "the bundled demo config"), values, positionals);
    return executeRun(config, values, io);
  },
};

export default command;
