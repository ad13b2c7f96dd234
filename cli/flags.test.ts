import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { UserError } from "../lib/errors.ts";
import { type CommandSpec, parseCommand, parseFlags } from "./flags.ts";

const SPEC = {
  command: "streamchaos thing",
  about: ["Does a thing."],
  positionals: [
    { name: "FILE", description: "the input", example: "in.json", required: true },
    { name: "TARGET", description: "what to act on", example: "a@b/c", required: true },
  ],
  flags: [
    {
      name: "out",
      type: "string",
      value: "DIR",
      default: "required",
      description: "where",
      example: "--out ./x",
    },
    { name: "json", type: "boolean", default: "off", description: "as JSON", example: "--json" },
  ],
} as const satisfies CommandSpec;

function sink() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => {
    text += String(chunk);
  });
  return { stream, text: () => text };
}

function usageError(argv: string[]): UserError {
  try {
    parseFlags(argv, SPEC);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`parseFlags accepted ${argv.join(" ")}`);
}

describe("parseCommand", () => {
  it("answers --help with the spec's help and tells the command to stop", async () => {
    const out = sink();
    expect(parseCommand(["--help"], SPEC, { stdout: out.stream })).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toMatch(/^Usage: streamchaos thing FILE TARGET --out DIR \[--json\]/);
    expect(out.text()).toContain("e.g. --out ./x");
  });

  it("hands back values and positionals otherwise, printing nothing", async () => {
    const out = sink();
    const parsed = parseCommand(["in.json", "a@b/c", "--out", "d", "--json"], SPEC, { stdout: out.stream });
    expect(parsed).toEqual({ values: { out: "d", json: true }, positionals: ["in.json", "a@b/c"] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toBe("");
  });
});

describe("parseFlags bad input", () => {
  it("a missing later positional is shown after the earlier ones in its example", () => {
    const error = usageError(["in.json", "--out", "d"]);
    expect(error.what).toBe("Missing TARGET");
    expect(error.fix).toContain("`streamchaos thing in.json a@b/c`");
  });

  it("an empty value for a required flag counts as missing", () => {
    const error = usageError(["in.json", "a@b/c", "--out", ""]);
    expect(error.what).toBe("Missing --out");
    expect(error.fix).toContain("--out ./x");
  });

  it("an extra positional is refused, not dropped", () => {
    expect(usageError(["in.json", "a@b/c", "extra", "--out", "d"]).what).toBe('Unexpected argument "extra"');
  });
});
