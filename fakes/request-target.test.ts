import { describe, expect, it } from "vitest";
import { readableTarget, requestTarget } from "./request-target.ts";

const viaUrl = (target: string) => {
  const url = new URL(target, "http://fake.invalid");
  return { pathname: url.pathname, search: url.search };
};
/** What a reading gives, or that it throws (URL rejects "//:x" and the like): both must agree. */
const outcome = (read: (target: string) => unknown, target: string) => {
  try {
    return read(target);
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
};

describe("requestTarget", () => {
  it("reads the targets providers are called on as URL does", () => {
    for (const target of [
      "/",
      "/v1/chat/completions",
      "/v1/responses",
      "/v1/messages?beta=true",
      "/v1beta/models/gemini-1.5-pro:streamGenerateContent?alt=sse",
      "/v1beta/models/gemini-2.0-flash:generateContent?key=AIza%2Fx&alt=sse",
      "/api/chat",
      "/__streamchaos/journal?since=3",
      "/a?",
      "/a??b",
      "/a?b?c=/d",
      "/.well-known/x",
      "/a/.b/c..",
    ]) {
      expect(requestTarget(target), target).toEqual(viaUrl(target));
    }
  });

  it("leaves what URL rewrites to URL: dot segments, escapes, a host, a fragment, odd characters", () => {
    for (const target of [
      "/v1/../v1/chat/completions",
      "/v1/./chat",
      "/v1/chat/..",
      "/v1/%2e%2e/chat",
      "/v1/%2E/chat",
      "/a b",
      '/a"b',
      "/a<b>",
      "/a\\b",
      "/a`b{c}",
      "/a?b c",
      "/a?it's",
      "/a?b#frag",
      "/a#frag",
      "/é",
      "/a?é=1",
      "//evil.example/v1/chat/completions",
      "http://other.example/v1/chat/completions?x=1",
      "*",
      "",
      "v1/chat",
      "/a\t/b",
    ]) {
      expect(requestTarget(target), JSON.stringify(target)).toEqual(viaUrl(target));
    }
  });

  it("agrees with URL on random targets built from the characters that matter", () => {
    // Seeded, so a failure repeats: a small LCG.
    let seed = 20261205;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [
      "/",
      ".",
      "..",
      "?",
      "#",
      "%",
      "%2e",
      "%2F",
      "\\",
      " ",
      "'",
      '"',
      "a",
      "Z",
      "9",
      ":",
      "@",
      "=",
      "&",
      "~",
      "é",
      "\t",
      "{",
    ];
    for (let i = 0; i < 5000; i++) {
      let target = next() < 0.9 ? "/" : "";
      const parts = Math.floor(next() * 8);
      for (let j = 0; j < parts; j++) target += alphabet[Math.floor(next() * alphabet.length)];
      expect(outcome(requestTarget, target), JSON.stringify(target)).toEqual(outcome(viaUrl, target));
    }
  });
});

describe("readableTarget", () => {
  it("reads what requestTarget reads, and gives undefined where URL throws", () => {
    for (const target of ["/v1/chat/completions", "/v1/messages?beta=true", "/v1/../v1/x", "http://h/a?b"]) {
      expect(readableTarget(target), target).toEqual(requestTarget(target));
    }
    for (const target of ["http://[x/", "http://:99999/", "//:x"]) {
      expect(() => requestTarget(target), target).toThrow(TypeError);
      expect(readableTarget(target), target).toBeUndefined();
    }
  });
});
