import { describe, expect, test } from "vitest";
import { resolveConfig } from "../config.ts";
import { contractPresets, defineContract, resolveContract } from "./index.ts";

describe("contract capabilities", () => {
  test("each preset declares what its wire format supports", () => {
    const caps = Object.fromEntries(
      Object.entries(contractPresets).map(([name, make]) => [name, make({}).capabilities]),
    );
    expect(caps).toEqual({
      "openai-relay": { sessions: false, keepalives: true, doneSignal: true, errorMarker: true },
      "sse-status-delta-done": { sessions: true, keepalives: true, doneSignal: true, errorMarker: true },
      "anthropic-relay": { sessions: false, keepalives: true, doneSignal: true, errorMarker: true },
      "text-marker": { sessions: false, keepalives: false, doneSignal: false, errorMarker: true },
    });
  });

  test("a preset takes capabilities the backend adds, from the config", () => {
    const config = resolveConfig(
      {
        backends: [
          {
            name: "sut",
            command: "x",
            provider: "openai",
            contract: { preset: "openai-relay", capabilities: { sessions: true } },
          },
        ],
      },
      "test",
    );
    expect(config.backends[0]!.contract.capabilities).toMatchObject({ sessions: true, doneSignal: true });
    expect(() =>
      resolveConfig(
        {
          backends: [
            {
              name: "sut",
              command: "x",
              provider: "openai",
              contract: { preset: "openai-relay", capabilities: { session: true } },
            },
          ],
        },
        "test",
      ),
    ).toThrow(/contract/);
  });

  const own = {
    name: "own",
    description: "d",
    framing: "sse" as const,
    request: () => ({ method: "POST", path: "/", headers: {} }),
    interpret: () => ({ tokens: [], text: "", malformed: [], keepalives: [] }),
  };

  test("a user contract gets safe defaults: held to a done signal and a marker, no sessions", () => {
    expect(defineContract(own).capabilities).toEqual({
      sessions: false,
      keepalives: true,
      doneSignal: true,
      errorMarker: true,
    });
    expect(defineContract({ ...own, framing: "text" }).capabilities.keepalives).toBe(false);
    // The same object given without defineContract resolves the same way.
    expect(resolveContract(own, "t").capabilities).toEqual(defineContract(own).capabilities);
  });

  test("hasDoneSignal and supportsKeepalives, from before capabilities, still count", () => {
    const old = defineContract({ ...own, hasDoneSignal: false, supportsKeepalives: false });
    expect(old.capabilities).toMatchObject({ doneSignal: false, keepalives: false });
    expect("hasDoneSignal" in old).toBe(false);
  });
});
