import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../harness/config.ts";
import { captureOutput } from "../../lib/testing.ts";
import { parseFlags } from "../flags.ts";
import { main } from "../main.ts";
import { applyRunFlags, RUN_FLAGS } from "./run.ts";

const spec = { command: "streamchaos run", about: [], flags: RUN_FLAGS };

async function cli(argv: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("run flags", () => {
  const config = resolveConfig(
    { backends: [{ name: "sut", command: "x", provider: "openai", contract: "openai-relay" }] },
    "test",
  );

  it("--allow-inconclusive lets inconclusive results pass the run; without it the config decides", () => {
    const { values } = parseFlags(["--allow-inconclusive"], spec);
    expect(applyRunFlags(config, values).allowInconclusive).toBe(true);
    expect(applyRunFlags(config, {}).allowInconclusive).toBe(false);
    expect(applyRunFlags({ ...config, allowInconclusive: true }, {}).allowInconclusive).toBe(true);
  });

  it("arguments are scenario globs, joined with --scenario's", () => {
    const args = ["mid-connection-rst", "--scenario", "pre-*", "cleanup-*"];
    const { values, positionals } = parseFlags(args, {
      ...spec,
      positionals: [{ name: "GLOB", description: "", example: "", variadic: true }],
    });
    expect(applyRunFlags(config, values, positionals).scenarios).toEqual([
      "pre-*",
      "mid-connection-rst",
      "cleanup-*",
    ]);
    expect(applyRunFlags(config, {}, []).scenarios).toBeUndefined();
  });
});

describe("the command line answers slips with the name that was meant, exit 2", () => {
  it("a mistyped command", async () => {
    const r = await cli(["rnu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[CLI_UNKNOWN_COMMAND]: Unknown command "rnu"');
    expect(r.stderr).toContain('did you mean "run"?');
    expect((await cli(["deploy"])).stderr).toContain("streamchaos has no such command");
  });

  it("a mistyped flag, with the flag's example", async () => {
    const r = await cli(["run", "--sceanrio", "happy-path"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[CLI_UNKNOWN_FLAG]: Unknown flag --sceanrio");
    expect(r.stderr).toContain("did you mean --scenario?");
    expect(r.stderr).toContain("Pass e.g. --scenario 'pre-*,mid-connection-*'");
  });

  it("a flag without its value names the flag and shows an example", async () => {
    const r = await cli(["run", "--shard"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--shard needs a value");
    expect(r.stderr).toContain("Pass e.g. --shard 2/4.");
  });

  it.each([
    ["0/2", "INDEX counts from 1 to TOTAL (2)"],
    ["3/2", "INDEX counts from 1 to TOTAL (2)"],
    ["a/b", "a shard is INDEX/TOTAL, two whole numbers"],
  ])("--shard %s is refused before the config is read", async (shard, why) => {
    const r = await cli(["run", "--config", "/nonexistent/streamchaos.config.json", "--shard", shard]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[CLI_USAGE]: Invalid --shard "${shard}"`);
    expect(r.stderr).toContain(why);
  });

  it("an argument a command does not take is an error, not ignored", async () => {
    const r = await cli(["doctor", "extra"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unexpected argument "extra"');
  });
});

describe("--help", () => {
  it("lists every flag of run with its default and an example", async () => {
    const { code, stdout } = await cli(["run", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: streamchaos run \[GLOB\.\.\.\] \[--config FILE\]/);
    for (const flag of RUN_FLAGS) {
      const lines = stdout.split("\n");
      const at = lines.findIndex((l) => new RegExp(`^ {2}(-\\w, | {4})--${flag.name}(?![\\w-])`).test(l));
      expect(at, flag.name).toBeGreaterThan(0);
      const [line, example] = lines.slice(at);
      expect(line).toContain(
        `(${(flag.default as string) === "required" ? "required" : `default: ${flag.default}`})`,
      );
      expect(example?.trim()).toBe(`e.g. ${flag.example}`);
    }
  });

  it("every command has one that lists flags with defaults and examples", async () => {
    const commands = [
      "run",
      "demo",
      "merge",
      "list",
      "fake",
      "toxiproxy",
      "doctor",
      "record",
      "repro",
      "init",
    ];
    for (const name of [...commands, "cassette import", "cassette show"]) {
      const { code, stdout } = await cli([...name.split(" "), "--help"]);
      expect(code, name).toBe(0);
      expect(stdout, name).toMatch(/^Usage: streamchaos /);
      expect(stdout, name).toContain("Flags:");
      expect(stdout, name).toContain("(default: off)");
      expect(stdout.match(/ e\.g\. /g)?.length, name).toBeGreaterThan(1);
    }
  });
});
