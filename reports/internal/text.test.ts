import { describe, expect, it } from "vitest";
import { hardWrap, printable, sliceUnits, truncate, wordWrap } from "./text.ts";

describe("printable", () => {
  it("shows CR, LF, tab and NUL by name and other controls as hex", () => {
    expect(printable("a\r\nb\tc\u0000")).toBe("a\\r\\nb\\tc\\0");
    expect(printable("\u001b[31m\u0007\u007f\u0085")).toBe("\\x1b[31m\\x07\\x7f\\x85");
  });

  it("escapes bidi overrides, line separators and lone surrogates but keeps real pairs", () => {
    expect(printable("\u202e\u2028\ud800x\udc00")).toBe("\\u202e\\u2028\\ud800x\\udc00");
    expect(printable("ok 😀 ✓")).toBe("ok 😀 ✓");
  });

  it("leaves text a check already JSON-escaped alone", () => {
    expect(printable("0\\r\\n\\r\\n")).toBe("0\\r\\n\\r\\n");
  });
});

describe("truncate and sliceUnits", () => {
  it("cuts by code points with an ellipsis", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
    expect(truncate("😀😀😀", 2)).toBe("😀…");
  });

  it("never leaves half a surrogate pair", () => {
    expect(sliceUnits("a😀b", 2)).toBe("a");
    expect(sliceUnits("a😀b", 3)).toBe("a😀");
  });
});

describe("hardWrap", () => {
  it("wraps at the width without splitting escapes, and cuts after maxLines", () => {
    expect(hardWrap("abcd\\r\\nef", 5, 3)).toEqual(["abcd", "\\r\\ne", "f"]);
    expect(hardWrap("a\\x1bcdef", 4, 3)).toEqual(["a", "\\x1b", "cdef"]);
    expect(hardWrap("aaaabbbbccccdddd", 4, 2)).toEqual(["aaaa", "bbb…"]);
    expect(hardWrap("", 4, 2)).toEqual([""]);
  });
});

describe("wordWrap", () => {
  it("breaks between words, hard-breaks a word longer than the line, and cuts after maxLines", () => {
    expect(wordWrap("the stream broke but carried no marker", 16, 5)).toEqual([
      "the stream broke",
      "but carried no",
      "marker",
    ]);
    expect(wordWrap("abcdefghij k", 4, 5)).toEqual(["abcd", "efgh", "ij", "k"]);
    expect(wordWrap("one two three four five", 9, 2)).toEqual(["one two", "three fo…"]);
  });
});
