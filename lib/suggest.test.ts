import { describe, expect, test } from "vitest";
import { closest, didYouMean, editDistance } from "./suggest.ts";

describe("did you mean", () => {
  test("a swapped pair is one edit", () => {
    expect(editDistance("rnu", "run")).toBe(1);
    expect(editDistance("sceanrio", "scenario")).toBe(1);
    expect(editDistance("comand", "command")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });

  test("the closest known name, only when it is close for its length", () => {
    const commands = ["run", "demo", "list", "doctor", "merge", "repro"];
    expect(closest("rnu", commands)).toBe("run");
    expect(closest("docter", commands)).toBe("doctor");
    expect(closest("deploy", commands)).toBeUndefined();
    expect(closest("x", commands)).toBeUndefined();
    expect(closest("RUN", commands)).toBe("run");
  });

  test("the tail of an error message, or nothing", () => {
    expect(didYouMean("sceanrio", ["scenario", "edge"], (s) => `--${s}`)).toBe("; did you mean --scenario?");
    expect(didYouMean("zzz", ["scenario"])).toBe("");
  });
});
