import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../harness/results.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { captureOutput } from "../lib/testing.ts";
import { createGithubReporter, githubAnnotations } from "./github.ts";
import { STICKY_MARKER } from "./markdown.ts";
import { failing, inconclusive, passing, run } from "./testing/fixtures.ts";

describe("github reporter", () => {
  it("one ::error per scenario × backend that fails the run, every edge in the title", () => {
    const cut = failing("cut", { edge: "nginx" });
    cut.checks[0] = {
      ...cut.checks[0]!,
      hop: { origin: "B", text: "hop B: the backend closed mid-chunk, no terminating chunk" },
    };
    const lines = githubAnnotations(
      run([
        cut,
        failing("cut", { edge: "caddy" }),
        failing("known", { expected: "fail" }),
        passing("ok"),
        inconclusive("unsure"),
      ]),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      [
        "::error title=streamchaos%3A cut failed on node-hardened via nginx%2C caddy::",
        "nginx: clean-chunked-termination (hop B): expected 0\\r\\n\\r\\n after the error event; the body was cut%0A",
        "caddy: clean-chunked-termination: expected 0\\r\\n\\r\\n after the error event; the body was cut%0A",
        "Title of cut (incident 000 issue 2)",
      ].join(""),
    );
    expect(lines[1]).toMatch(
      /^::error title=streamchaos%3A unsure inconclusive on node-hardened via nginx::/,
    );
    // A message never carries a raw line break: that would end the workflow command.
    for (const line of lines) expect(line).not.toMatch(/[\r\n]/);
  });

  it("names the scenario's file when it is in the checkout", () => {
    const scenarios = {
      cut: { id: "cut", source: { builtin: false, file: join(process.cwd(), "chaos", "cut.ts") } },
    } as unknown as NonNullable<RunResult["setup"]>["scenarios"];
    const setup = { cwd: "/", backends: [], edges: [], scenarios, cassettes: {} };
    const [line] = githubAnnotations(run([failing("cut")], { setup }));
    expect(line).toMatch(/^::error file=chaos\/cut\.ts,title=/);
  });

  it("at most max annotations, then one warning with how many more", () => {
    const many = run(Array.from({ length: 13 }, (_, i) => failing(`s${i}`)));
    const lines = githubAnnotations(many, 10);
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^::warning title=streamchaos%3A 3 more failing scenarios::/);
    expect(githubAnnotations(many, 2)).toHaveLength(3);
  });

  it("appends summary.md to the job summary and writes the annotations to its stream", async () => {
    await using dir = await makeTempDir("github-test");
    const summary = join(dir.path, "step-summary.md");
    await writeFile(summary, "earlier step\n");
    const out = captureOutput();
    const reporter = createGithubReporter({
      stream: out.stream,
      isTTY: false,
      env: { GITHUB_STEP_SUMMARY: summary },
      reportUrl: "https://example.com/r.html",
    });
    const written = await reporter.onFinish(run([failing("cut")]), {});
    expect(written.files).toEqual([summary]);
    const text = await readFile(summary, "utf8");
    expect(text.startsWith("earlier step\n## ❌ streamchaos")).toBe(true);
    expect(text).toContain("[full HTML report](https://example.com/r.html)");
    expect(text.trimEnd().endsWith(STICKY_MARKER)).toBe(true);
    expect(out.text()).toMatch(/^::error title=streamchaos%3A cut failed/);
  });

  it("outside GitHub Actions it is a setup error, before the run", () => {
    expect(() => createGithubReporter({ stream: captureOutput().stream, isTTY: false, env: {} })).toThrow(
      expect.objectContaining({ code: "REPORTER_GITHUB_NO_SUMMARY" }),
    );
  });
});
