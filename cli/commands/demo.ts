import { resolveConfig } from "../../harness/config.ts";
import { demoConfig, PYTHON_INSTALL, pythonBackendAvailable } from "../../harness/demo.ts";
import { DETECTION_MATRIX } from "../../harness/detection-matrix.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliCommand } from "../command.ts";
import { applyRunFlags, executeRun, RUN_OPTIONS } from "./run.ts";

const USAGE =
  "streamchaos demo [--bugs] [--edge direct,nginx,caddy] [--scenario GLOB] [--reporter console,json,junit,markdown,html] [--lanes N|auto] [--out DIR] [--runtime local|docker] [--allow-inconclusive]";

const command: CliCommand = {
  name: "demo",
  summary: "Run the full catalog against the bundled reference backends (no setup needed)",
  usage: USAGE,
  async run(argv, io) {
    const options = { ...RUN_OPTIONS, bugs: { type: "boolean" } } as const;
    const { values } = parseCommandArgs(argv, options, USAGE);
    if (values.help) {
      io.stdout.write(
        `${USAGE}\n\n  --bugs   also run every bug switch of the reference backends; each must fail exactly its expected scenarios\n`,
      );
      return 0;
    }
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
    const config = applyRunFlags(resolveConfig(raw, "the bundled demo config"), values);
    return executeRun(config, values, io);
  },
};

export default command;
