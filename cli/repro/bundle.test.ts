import { describe, expect, test } from "vitest";
import { failing, run } from "../../reports/testing/fixtures.ts";
import { findResult, parseTarget } from "./bundle.ts";

describe("repro targets with clients", () => {
  const results = [
    failing("mid-connection-fin", { client: "h1" }),
    failing("mid-connection-fin", { client: "h2" }),
  ];

  test("a client is named as the reports label it, and picks its result", () => {
    const target = parseTarget("mid-connection-fin@node-hardened/nginx:default [h2]", "usage");
    expect(target).toEqual({
      scenario: "mid-connection-fin",
      backend: "node-hardened",
      edge: "nginx",
      profile: "default",
      client: "h2",
    });
    expect(findResult(run(results), target).client).toBe("h2");
    expect(
      findResult(run(results), parseTarget("mid-connection-fin@node-hardened/nginx[h1]", "u")).client,
    ).toBe("h1");
  });

  test("several clients and none named: the error lists them and says how to name one", () => {
    const error = (() => {
      try {
        findResult(run(results), parseTarget("mid-connection-fin@node-hardened/nginx", "u"));
      } catch (e) {
        return e as { code: string; why: string; fix: string };
      }
    })();
    expect(error?.code).toBe("REPRO_NO_SUCH_RESULT");
    expect(error?.why).toContain("mid-connection-fin@node-hardened/nginx:default[h2]");
    expect(error?.fix).toContain("[h2]");
  });
});
