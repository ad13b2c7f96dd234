import { describe, expect, it } from "vitest";
import * as api from "./index.ts";

describe("the public API", () => {
  it("exports the define* factories, the fake and runSuite, nothing internal", () => {
    // Growing this list is a decision: everything exported here is a promise to users.
    expect(Object.keys(api).sort()).toEqual([
      "contractPresets",
      "defineCheck",
      "defineConfig",
      "defineContract",
      "defineScenario",
      "runSuite",
      "startFakeProvider",
    ]);
  });

  it("runSuite rejects a bad config with a coded error before anything starts", async () => {
    const error = await api
      .runSuite({ backends: [{ name: "x", provider: "openai", contract: "openai-relay" }] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIG_INVALID" });
    expect(String((error as Error).message)).toMatch(/command|url|image/);
  });
});
