import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "../../harness/results.ts";
import { createConsoleReporter, renderConsoleSummary } from "../console.ts";
import { renderHtml } from "../html.ts";
import { renderJson } from "../json.ts";
import { renderMarkdown } from "../markdown.ts";
import { check, failing, passing, run, T0 } from "../testing/fixtures.ts";
import { describeRestart } from "./restart.ts";

/** A backend that died of one scenario, and one found dead before the next: every reporter says so. */
const crashed = failing("mid-connection-rst", {
  checks: [check("backend-survived", "fail", "the backend process exited during the scenario")],
  backendRestart: {
    exit: { code: 1, signal: null },
    t: T0 + 640,
    lastLines: ["[stderr] relay: provider failed", "[stderr] ", "[stderr] Error: boom: late write"],
    noticed: "in-window",
    restarted: true,
  },
});
const foundDead = passing("mid-tiny-writes", {
  startedAt: T0 + 2000,
  backendRestart: {
    exit: { code: null, signal: "SIGKILL" },
    t: T0 + 1900,
    lastLines: ["[stdout] listening"],
    noticed: "before-start",
    restarted: true,
  },
});
const both = run([crashed, foundDead]);

describe("a backend restart in every reporter", () => {
  it("says how it died, when within the scenario, and that it came back", () => {
    expect(describeRestart(crashed)).toBe(
      "the backend died (exit code 1) 640ms into this scenario; restarted before the next scenario",
    );
    expect(describeRestart(foundDead)).toBe(
      "the backend died (signal SIGKILL) before this scenario started, after the previous one's window; restarted before the next scenario",
    );
    const gone: ScenarioResult = {
      ...crashed,
      backendRestart: { ...crashed.backendRestart!, restarted: false },
    };
    expect(describeRestart(gone)).toContain("it did not start again, so its remaining scenarios did not run");
    expect(describeRestart(passing("happy-path"))).toBeUndefined();
  });

  it("console: a line as it happens, and a section with the last lines at the end", () => {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    const reporter = createConsoleReporter({ stream, isTTY: false, color: false });
    reporter.onResult?.(crashed);
    expect(text).toContain("  the backend died (exit code 1) 640ms into this scenario");
    const summary = renderConsoleSummary(both, { columns: 120, color: false, unicode: true });
    expect(summary).toContain("Backend restarts");
    expect(summary).toContain("mid-connection-rst (node-hardened/nginx): the backend died (exit code 1)");
    expect(summary).toContain("    [stderr] Error: boom: late write");
    expect(summary).toContain(
      "mid-tiny-writes (node-hardened/nginx): the backend died (signal SIGKILL) before",
    );
  });

  it("JSON carries it, markdown and HTML show it", () => {
    expect(JSON.parse(renderJson(both)).results[0].backendRestart).toEqual(crashed.backendRestart);
    const markdown = renderMarkdown(both);
    expect(markdown).toContain("### Backend restarts (2)");
    expect(markdown).toContain(
      "`mid-connection-rst` on `node-hardened/nginx`: the backend died (exit code 1)",
    );
    expect(markdown).toContain("[stderr] Error: boom: late write");
    const html = renderHtml(both);
    expect(html).toContain("<b>backend restart:</b> the backend died (exit code 1) 640ms into this scenario");
    expect(html).toContain("[stderr] Error: boom: late write");
  });
});
