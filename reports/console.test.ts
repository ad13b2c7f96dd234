import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../harness/results.ts";
import { colorEnabled, createConsoleReporter, renderConsoleSummary } from "./console.ts";
import type { ReporterOptions } from "./reporter.ts";
import { check, failing, mixedRun, passing, run } from "./testing/fixtures.ts";

const SGR = /\u001b\[[0-9;]*m/;
const ANY_ESC = /\u001b/;
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

function sink() {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function drive(run: RunResult, options: Omit<ReporterOptions, "stream">, previous?: RunResult) {
  const out = sink();
  const reporter = createConsoleReporter({ ...options, stream: out.stream });
  reporter.onStart?.({
    scenarios: 3,
    edges: ["nginx", "caddy"],
    backends: ["node-hardened"],
    total: run.results.length,
  });
  const afterStart = out.text();
  for (const result of run.results) reporter.onResult?.(result);
  const live = out.text().slice(afterStart.length);
  await reporter.onFinish(run, previous ? { previous } : {});
  return { all: out.text(), afterStart, live };
}

const WIDE = { columns: 160, color: false, unicode: true };

describe("console reporter: the matrix and failures", () => {
  const text = renderConsoleSummary(mixedRun(), WIDE);
  const lines = text.split("\n");

  it("draws one row per scenario under backend/edge headers", () => {
    const header = lines.find((l) => l.includes("node-hardened/nginx"));
    expect(header?.trim().split(/\s+/)).toEqual([
      "node-hardened/nginx",
      "node-hardened/caddy",
      "python-naive/nginx",
      "python-naive/caddy",
    ]);
    const cells = (id: string) =>
      lines
        .find((l) => l.startsWith(`${id}  Title`))
        ?.slice(header?.indexOf("node-hardened/nginx"))
        .trim()
        .split(/\s+/);
    expect(cells("pre-stream-500")).toEqual(["✓", "✓", "✗", "✓"]);
    expect(cells("mid-stream-cut")).toEqual(["✓", "!", "✗", "✗*"]);
    expect(cells("keepalive-swallowed")).toEqual(["-", "✓", "·", "·"]);
    expect(text).toContain(
      "✓ pass  ✗ fail  ! error  ? inconclusive  ∅ not applicable  - skipped  · not run  * expected on this backend",
    );
  });

  it("lists each failure with its failing checks and escaped evidence", () => {
    const at = lines.indexOf("✗ pre-stream-500 — Title of pre-stream-500");
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe("  python-naive/nginx · incident 000 issue 2 · 1.2s");
    expect(lines[at + 2]).toBe(
      "  ✗ clean-chunked-termination: expected 0\\r\\n\\r\\n after the error event; the body was cut",
    );
    expect(lines[at + 3]).toMatch(
      /^ {6}last bytes at the probe: data: \{"x":1\}\\r\\n\\r\\n\\0\\x1b\[31mRED/,
    );
    expect(lines[at + 4]).toBe("      nginx error.log: upstream prematurely closed connection");
    expect(text).not.toContain("in-stream-error-marker");
    expect(text).toContain("! mid-stream-cut — Title of mid-stream-cut");
    expect(text).toContain("  error: backend never became ready: exit 1 <oops>\\x1b[0m");
    expect(text).toContain("  python-naive/caddy · incident 000 issue 2 · 1.2s · expected on this backend");
    expect(ANY_ESC.test(text)).toBe(false);
  });

  it("ends with the totals line", () => {
    expect(lines.at(-2)).toBe(
      "10 results: 5 passed, 3 failed (1 expected), 1 error, 0 inconclusive, 0 not applicable, 1 skipped · 5.0s",
    );
  });

  it("numbers the columns and truncates titles to fit a narrow terminal", () => {
    const narrow = renderConsoleSummary(mixedRun(), { ...WIDE, columns: 50 });
    for (const line of narrow.split("\n")) expect([...line].length).toBeLessThanOrEqual(50);
    // Evidence wraps instead of losing its bytes at the terminal edge, never inside an escape.
    expect(narrow).toContain(
      '      last bytes at the probe: data: {"x":1}\\r\\n\\r\n      \\n\\0\\x1b[31mRED',
    );
    expect(narrow).toContain("  1 = node-hardened/nginx");
    expect(narrow).toContain("  4 = python-naive/caddy");
    expect(narrow).toMatch(/^pre-stream-500 {2}Title of pre-s\S*…\s+✓\s+✓\s+✗\s+✓$/m);
  });

  it("wraps a long check summary instead of cutting the verdict", () => {
    const long = failing("w", {
      checks: [
        check(
          "error-marker-after-failure",
          "fail",
          "the stream broke but carried no error marker: the user sees a silently truncated answer",
        ),
      ],
    });
    const out = renderConsoleSummary(run([long]), { ...WIDE, columns: 60 }).split("\n");
    const at = out.findIndex((l) => l.includes("error-marker-after-failure"));
    expect(out.slice(at, at + 3)).toEqual([
      "  ✗ error-marker-after-failure: the stream broke but",
      "    carried no error marker: the user sees a silently",
      "    truncated answer",
    ]);
  });

  it("falls back to ASCII marks", () => {
    const ascii = renderConsoleSummary(mixedRun(), { ...WIDE, unicode: false });
    expect(ascii).toMatch(/^mid-stream-cut {2}Title of mid-stream-cut\s+\+\s+!\s+x\s+x\*$/m);
    expect(ascii).not.toMatch(/[^\x20-\x7e\n]/);
  });

  it("counts regressions since the last run", () => {
    const previous = run([passing("a"), passing("b"), failing("c")]);
    const current = run([failing("a"), failing("b"), passing("c")]);
    const out = renderConsoleSummary(current, { ...WIDE, previous });
    expect(out).toContain("2 regressions since last run (1 newly passing)");
    expect(out).toContain("  a on node-hardened/nginx: pass → fail");
    expect(renderConsoleSummary(current, { ...WIDE, previous: current })).toContain(
      "no regressions since last run (2 still failing)",
    );
  });
});

describe("console reporter: live output", () => {
  it("prints one plain line per finished scenario when not a TTY", async () => {
    const { afterStart, live, all } = await drive(mixedRun(), { isTTY: false, columns: 120, env: {} });
    expect(afterStart).toBe(
      "streamchaos: 10 results to run (3 scenarios on node-hardened via nginx, caddy)\n",
    );
    const lines = live.trimEnd().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("✓ pass           pre-stream-500  node-hardened/nginx  1.2s");
    expect(lines[2]).toBe("✗ fail           pre-stream-500  python-naive/nginx  1.2s");
    expect(ANY_ESC.test(all)).toBe(false);
  });

  it("prints nothing live in quiet mode, only the summary", async () => {
    const { afterStart, live, all } = await drive(mixedRun(), { isTTY: false, progress: "quiet", env: {} });
    expect(afterStart).toBe("");
    expect(live).toBe("");
    expect(all).toContain("10 results: 5 passed");
  });

  it("keeps one live line on a TTY, leaves failures on screen, and clears it before the summary", async () => {
    const { live, all } = await drive(mixedRun(), { isTTY: true, columns: 80, env: {} });
    const frames = live.split("\r\u001b[2K");
    expect(stripAnsi(frames.at(-1) ?? "")).toBe(
      "[10/10] 4 failing · ✓ keepalive-swallowed (node-hardened/caddy)",
    );
    expect(stripAnsi(live)).toContain("✗ pre-stream-500  python-naive/nginx\n");
    expect(stripAnsi(live)).toContain("✗ mid-stream-cut  python-naive/caddy  (expected)\n");
    // Passing results only redraw the live line: the only lines ever ended are failures.
    const ended = stripAnsi(live)
      .split("\r")
      .flatMap((frame) => frame.split("\n").slice(0, -1));
    expect(ended).toEqual([
      "✗ pre-stream-500  python-naive/nginx",
      "! mid-stream-cut  node-hardened/caddy",
      "✗ mid-stream-cut  python-naive/nginx",
      "✗ mid-stream-cut  python-naive/caddy  (expected)",
    ]);
    for (const frame of frames) expect([...stripAnsi(frame).split("\n").at(-1)!].length).toBeLessThan(80);
    expect(SGR.test(all)).toBe(true);
    expect(all.indexOf("\r\u001b[2K\n")).toBeGreaterThan(0);
  });

  it("shows what is running on the live line, across lanes", () => {
    const out = sink();
    const reporter = createConsoleReporter({ stream: out.stream, isTTY: true, columns: 100, env: {} });
    const frame = () =>
      stripAnsi(
        out
          .text()
          .split(/\r\u001b\[2K|\n/)
          .at(-1) ?? "",
      );
    reporter.onStart?.({ scenarios: 2, edges: ["nginx"], backends: ["node-hardened"], total: 2 });
    reporter.onScenarioStart?.({ id: "a", title: "A", backend: "node-hardened", edge: "nginx", lane: 1 });
    expect(frame()).toBe("[0/2] 0 failing · running a (node-hardened/nginx)");
    reporter.onScenarioStart?.({ id: "b", title: "B", backend: "node-hardened", edge: "nginx", lane: 2 });
    expect(frame()).toBe("[0/2] 0 failing · running a (node-hardened/nginx) +1 more");
    reporter.onResult?.(passing("a"));
    expect(frame()).toBe("[1/2] 0 failing · running b (node-hardened/nginx)");
    reporter.onResult?.(failing("b"));
    expect(frame()).toBe("[2/2] 1 failing · ✗ b (node-hardened/nginx)");
  });

  it("follows a terminal resize", () => {
    const out = sink();
    const stream = Object.assign(out.stream, { columns: 200 });
    const reporter = createConsoleReporter({ stream, isTTY: true, env: {} });
    const long = "x".repeat(150);
    reporter.onScenarioStart?.({ id: long, title: "", backend: "b", edge: "e", lane: 1 });
    expect(out.text()).toContain(long);
    stream.columns = 60;
    reporter.onScenarioStart?.({ id: "y", title: "", backend: "b", edge: "e", lane: 2 });
    const last = stripAnsi(out.text().split("\r\u001b[2K").at(-1) ?? "");
    expect([...last].length).toBe(59);
  });

  it("uses no colors when NO_COLOR is set or color is off, still a live line", async () => {
    const noColor = await drive(mixedRun(), { isTTY: true, env: { NO_COLOR: "1" } });
    expect(SGR.test(noColor.all)).toBe(false);
    expect(noColor.live).toContain("\r\u001b[2K");
    const off = await drive(mixedRun(), { isTTY: true, color: false, env: {} });
    expect(SGR.test(off.all)).toBe(false);
  });

  it("decides color from TTY, the color flag and NO_COLOR", () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: false, color: true, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: "" } })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: "yes" } })).toBe(false);
  });

  it("FORCE_COLOR colors a CI log that is no terminal; FORCE_COLOR=0 and color: false do not", async () => {
    const ci = await drive(mixedRun(), { isTTY: false, env: { FORCE_COLOR: "1", NO_COLOR: "1" } });
    expect(SGR.test(ci.all)).toBe(true);
    expect(ci.all).not.toContain("\r\u001b[2K");
    expect(colorEnabled({ isTTY: true, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(colorEnabled({ isTTY: false, color: false, env: { FORCE_COLOR: "3" } })).toBe(false);
  });

  it("escapes control bytes in ids so a scenario cannot drive the terminal", async () => {
    const hostile = run([
      failing("evil\u001b]0;pwned\u0007", {
        scenario: { id: "evil\u001b]0;pwned\u0007", title: "t\r\n", incident: "", category: "c" },
      }),
    ]);
    const { all } = await drive(hostile, { isTTY: false, env: {} });
    expect(all).toContain("evil\\x1b]0;pwned\\x07");
    expect(ANY_ESC.test(all)).toBe(false);
  });
});
