import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { parseProviderFlag } from "../args.ts";
import type { CliCommand } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";
import { configTemplate, exampleScenarioTemplate } from "../init/templates.ts";

const DEFAULT_COMMAND = "npm start";

const SPEC = {
  command: "streamchaos init",
  about: [
    "Writes a commented streamchaos.config.ts for your service and one example scenario,",
    "chaos/example.scenario.ts (.mts for both in a CommonJS package). Never overwrites without --force.",
    "Then: npx streamchaos run",
  ],
  flags: [
    {
      name: "provider",
      type: "string",
      value: "NAME",
      default: "openai",
      description: "the LLM API your backend calls (openai, anthropic, gemini, openrouter, ollama, ...)",
      example: "--provider anthropic",
    },
    {
      name: "command",
      type: "string",
      value: "CMD",
      default: DEFAULT_COMMAND,
      description: "how to start your backend; it must listen on $PORT (the config sets PORT={{port}})",
      example: '--command "node dist/server.js"',
    },
    {
      name: "dir",
      type: "string",
      value: "DIR",
      default: ".",
      description: "the project folder to write into",
      example: "--dir services/chat",
    },
    {
      name: "force",
      type: "boolean",
      default: "off",
      description: "overwrite files that exist",
      example: "--force",
    },
  ],
} as const satisfies CommandSpec;

const command: CliCommand = {
  name: "init",
  summary: "Write a commented streamchaos.config.ts and an example scenario for your service",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values } = parsed;
    const provider = parseProviderFlag(values.provider, "for openai") ?? "openai";
    if (values.command !== undefined && values.command.trim() === "") {
      throw new UserError("CLI_USAGE", {
        what: "Empty --command",
        fix: `Pass how to start your backend, e.g. --command "node server.js" (default: ${DEFAULT_COMMAND}).`,
      });
    }
    const dir = resolve(values.dir ?? ".");
    const pkg = await readPackage(dir);
    // streamchaos is ESM-only: in a CommonJS package a .ts file is CommonJS to tsc, .mts is ESM anywhere.
    const extension = pkg?.type === "module" ? "ts" : "mts";
    const files = [
      {
        path: join(dir, `streamchaos.config.${extension}`),
        text: configTemplate({
          provider,
          command: values.command ?? DEFAULT_COMMAND,
          name: backendName(pkg?.name),
          extension,
        }),
      },
      { path: join(dir, "chaos", `example.scenario.${extension}`), text: exampleScenarioTemplate() },
    ];
    const taken = files.filter((f) => existsSync(f.path));
    if (taken.length > 0 && !values.force) {
      throw new UserError("INIT_FILE_EXISTS", {
        what: `${relative(process.cwd(), taken[0]!.path) || taken[0]!.path} already exists`,
        why: "init never overwrites a file without --force (nothing was written)",
        fix: "Edit that file, or run `streamchaos init --force` to replace it with a fresh one.",
        details: taken.slice(1).map((f) => `also exists: ${f.path}`),
      });
    }
    for (const file of files) {
      await mkdir(dirname(file.path), { recursive: true });
      await writeFile(file.path, file.text);
      io.stdout.write(`wrote ${relative(process.cwd(), file.path) || file.path}\n`);
    }
    io.stdout.write(
      [
        "",
        `Next: check the backend's command and contract in streamchaos.config.${extension}, then`,
        "  npx streamchaos run             # the built-in scenarios and yours, against your backend",
        "  npx streamchaos list            # what each scenario models",
        "",
      ].join("\n"),
    );
    return 0;
  },
};

async function readPackage(dir: string): Promise<{ name?: string; type?: string } | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name?: string; type?: string };
  } catch {
    return undefined;
  }
}

/** A backend name as the config accepts it (letters, digits, '.', '_', '-'), from the package name. */
function backendName(packageName: string | undefined): string {
  const name = (packageName ?? "").replace(/^@[^/]+\//, "").replace(/[^\w.-]+/g, "-");
  return name || "my-service";
}

export default command;
