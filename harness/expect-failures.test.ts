import { describe, expect, test } from "vitest";
import { isUserError } from "../lib/errors.ts";
import { resolveConfig } from "./config.ts";
import { expectsFailure, parseExpectedFailure } from "./expect-failures.ts";

const at = (scenario: string, edge: string, client: "h1" | "h2" | "browser") => ({ scenario, edge, client });

describe("expectFailures: a scenario, optionally on an edge and a client", () => {
  test("id, id@edge, id[client] and id@edge[client], with globs in the id and the edge", () => {
    expect(expectsFailure(["mid-x"], at("mid-x", "caddy", "browser"))).toBe(true);
    expect(expectsFailure(["mid-x@nginx"], at("mid-x", "nginx", "h2"))).toBe(true);
    expect(expectsFailure(["mid-x@nginx"], at("mid-x", "caddy", "h1"))).toBe(false);
    expect(expectsFailure(["mid-x[h2]"], at("mid-x", "caddy", "h2"))).toBe(true);
    expect(expectsFailure(["mid-x[h2]"], at("mid-x", "caddy", "h1"))).toBe(false);
    expect(expectsFailure(["mid-*@nginx[h2]"], at("mid-y", "nginx", "h2"))).toBe(true);
    expect(expectsFailure(["mid-*@nginx[h2]"], at("mid-y", "caddy", "h2"))).toBe(false);
    expect(expectsFailure(["mid-*@nginx[h2]"], at("mid-y", "nginx", "browser"))).toBe(false);
    expect(expectsFailure(["mid-*@*[browser]"], at("mid-y", "caddy", "browser"))).toBe(true);
    expect(expectsFailure(["pre-*"], at("mid-y", "nginx", "h1"))).toBe(false);
  });

  test("a mistyped client or edge, or a broken shape, says what is allowed", () => {
    expect(parseExpectedFailure("mid-x[hh2]")).toEqual({
      problem: 'unknown client "hh2" in "mid-x[hh2]"; did you mean "h2"?; the clients are h1, h2, browser',
    });
    expect(parseExpectedFailure("mid-x@ngnix")).toMatchObject({
      problem: expect.stringMatching(/unknown edge "ngnix" in "mid-x@ngnix"; did you mean "nginx"\?/),
    });
    expect(parseExpectedFailure("mid-x[h2")).toMatchObject({
      problem: expect.stringMatching(/is not a scenario pattern: write id, id@edge, id\[client\]/),
    });
  });

  test("in a config, a bad entry is CONFIG_INVALID (exit 2) naming where it is", () => {
    const backend = { name: "sut", command: "node s.js", provider: "openai", contract: "openai-relay" };
    try {
      resolveConfig(
        { backends: [{ ...backend, expectFailures: ["happy-path", "mid-x[brwser]"] }] },
        "t.json",
      );
      expect.unreachable();
    } catch (error) {
      // A UserError is exit 2 in the CLI.
      expect(isUserError(error)).toBe(true);
      expect(error).toMatchObject({ code: "CONFIG_INVALID" });
      expect((error as { why: string }).why).toBe(
        'backends[0].expectFailures[1]: unknown client "brwser" in "mid-x[brwser]"; did you mean "browser"?; the clients are h1, h2, browser',
      );
    }
    const ok = resolveConfig({ backends: [{ ...backend, expectFailures: ["mid-x@nginx[h2]"] }] }, "t");
    expect(ok.backends[0]!.expectFailures).toEqual(["mid-x@nginx[h2]"]);
  });
});
