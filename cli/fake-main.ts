import type { CliIO } from "./command.ts";
import fake from "./commands/fake.ts";
import { runCliCommand } from "./run-cli-command.ts";

/**
 * `streamchaos fake` on its own, for the installed package: scripts/build.ts bundles this file and
 * what it imports into one module (dist/cli/fake-main.bundle.js), which bin/streamchaos.mjs runs
 * for `fake`. Why: a standalone fake is a long-lived server, often one per test job, and loaded as
 * some 160 modules (ours and zod's) it held ~8 MB more memory than as one file (idle RSS 64 -> 56 MB;
 * bench:peers).
 */
export function fakeMain(args: string[], io?: Partial<CliIO>): Promise<number> {
  return runCliCommand(async () => fake, args, io);
}
