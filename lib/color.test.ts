import { describe, expect, test } from "vitest";
import { colorFromEnv } from "./color.ts";

describe("colors from the environment, as Node decides", () => {
  test("a terminal has colors, a pipe has none", () => {
    expect(colorFromEnv({}, true)).toBe(true);
    expect(colorFromEnv({}, false)).toBe(false);
  });

  test("FORCE_COLOR decides first: 0 and false off, empty and 1 to 3 on, even in a pipe", () => {
    for (const on of ["", "1", "2", "3", "true"])
      expect(colorFromEnv({ FORCE_COLOR: on }, false), on).toBe(true);
    for (const off of ["0", "false", "yes"])
      expect(colorFromEnv({ FORCE_COLOR: off }, true), off).toBe(false);
  });

  test("NO_COLOR (non-empty), NODE_DISABLE_COLORS and TERM=dumb turn them off, unless FORCE_COLOR", () => {
    expect(colorFromEnv({ NO_COLOR: "1" }, true)).toBe(false);
    expect(colorFromEnv({ NO_COLOR: "" }, true)).toBe(true);
    expect(colorFromEnv({ NODE_DISABLE_COLORS: "1" }, true)).toBe(false);
    expect(colorFromEnv({ TERM: "dumb" }, true)).toBe(false);
    expect(colorFromEnv({ NO_COLOR: "1", FORCE_COLOR: "1" }, false)).toBe(true);
  });
});
