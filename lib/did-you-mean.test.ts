import { describe, expect, it } from "vitest";
import { didYouMean, editDistance } from "./did-you-mean.ts";

describe("didYouMean", () => {
  it("names the known name a typo was meant to be", () => {
    expect(didYouMean("brwoser", ["h1", "h2", "browser"])).toBe("browser");
    expect(didYouMean("2h", ["h1", "h2", "browser"])).toBe("h2");
    expect(didYouMean("H2", ["h1", "h2", "browser"])).toBe("h2");
    expect(didYouMean("http2", ["h1", "h2", "browser"])).toBeUndefined();
    expect(didYouMean("curl", ["h1", "h2", "browser"])).toBeUndefined();
    expect(didYouMean("x", [])).toBeUndefined();
  });

  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});
