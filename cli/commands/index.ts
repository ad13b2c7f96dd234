import type { CliCommand } from "../command.ts";

/**
 * The command registry: adding a command is adding a file under cli/commands/ and one line here.
 * Commands are imported lazily so `streamchaos fake` does not load the harness.
 */
export const commands: Record<string, () => Promise<CliCommand>> = {
  run: async () => (await import("./run.ts")).default,
  demo: async () => (await import("./demo.ts")).default,
  list: async () => (await import("./list.ts")).default,
  toxiproxy: async () => (await import("./toxiproxy.ts")).default,
  fake: async () => (await import("./fake.ts")).default,
  doctor: async () => (await import("./doctor.ts")).default,
  record: async () => (await import("./record.ts")).default,
  cassette: async () => (await import("./cassette.ts")).default,
  init: async () => (await import("./init.ts")).default,
  repro: async () => (await import("./repro.ts")).default,
  merge: async () => (await import("./merge.ts")).default,
};
