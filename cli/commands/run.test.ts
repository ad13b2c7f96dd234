import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../harness/config.ts";
import { parseCommandArgs } from "../args.ts";
import { applyRunFlags, RUN_OPTIONS } from "./run.ts";

describe("run flags", () => {
  const config = resolveConfig(
    { backends: [{ name: "sut", command: "x", provider: "openai", contract: "openai-relay" }] },
    "test",
  );

  it("--allow-inconclusive lets inconclusive results pass the run; without it the config decides", () => {
    const { values } = parseCommandArgs(["--allow-inconclusive"], RUN_OPTIONS, "usage");
    expect(applyRunFlags(config, values).allowInconclusive).toBe(true);
    expect(applyRunFlags(config, {}).allowInconclusive).toBe(false);
    expect(applyRunFlags({ ...config, allowInconclusive: true }, {}).allowInconclusive).toBe(true);
  });
});
