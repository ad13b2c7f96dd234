import { describe, expect, it } from "vitest";
import { failsRun, type RunResult } from "../harness/results.ts";
import { exitCodeFor } from "../harness/runner.ts";
import { compareRuns } from "./compare.ts";
import { renderConsoleSummary } from "./console.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { everyStatusRun, inconclusive, notApplicable, passing, run } from "./testing/fixtures.ts";
import { findAll, parseXml } from "./testing/xml-wellformed.ts";

/**
 * The statuses of schema version 2 (inconclusive, not-applicable, interrupted) in every reporter:
 * each its own mark, counted apart, and an inconclusive result never rendered as a pass.
 */
describe("every status, in every reporter", () => {
  const all = everyStatusRun();

  it("summarize counts each status apart", () => {
    expect(all.summary).toEqual({
      total: 7,
      passed: 1,
      failed: 1,
      errored: 1,
      inconclusive: 1,
      notApplicable: 1,
      skipped: 1,
      interrupted: 1,
    });
  });

  it("exit code: inconclusive and interrupted fail the run, not-applicable and skipped do not", () => {
    const only = (r: RunResult["results"][number], extra: Partial<RunResult> = {}) => run([r], extra);
    expect(exitCodeFor(only(inconclusive("i")))).toBe(1);
    expect(exitCodeFor(only(inconclusive("i"), { allowInconclusive: true }))).toBe(0);
    expect(exitCodeFor(only(notApplicable("n")))).toBe(0);
    expect(exitCodeFor(run([passing("p"), notApplicable("n")]))).toBe(0);
    const [, , , , , , interrupted] = all.results;
    expect(failsRun(interrupted!)).toBe(true);
  });

  it("console: its own mark per status, a section for inconclusive and one for not applicable", () => {
    const text = renderConsoleSummary(all, { columns: 160, color: false, unicode: true });
    const row = (id: string) => text.split("\n").find((l) => l.startsWith(`${id}  `));
    expect(row("d-inconclusive")?.trim().endsWith("?")).toBe(true);
    expect(row("e-not-applicable")?.trim().endsWith("∅")).toBe(true);
    expect(row("g-interrupted")?.trim().endsWith("^")).toBe(true);
    expect(text).toContain(
      "✓ pass  ✗ fail  ! error  ? inconclusive  ∅ not applicable  - skipped  ^ interrupted  · not run",
    );
    expect(text).toContain("Inconclusive (no deciding check could apply: not a pass)");
    expect(text).toContain("? d-inconclusive — Title of d-inconclusive");
    expect(text).toContain("  ∅ upstream-cancelled: the client never left <during> the stream");
    expect(text).toContain("Not applicable (did not run)");
    expect(text).toContain(
      "∅ e-not-applicable — the openai-relay contract declares no sessions (capabilities.sessions) <so> (node-hardened/nginx)",
    );
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "7 results: 1 passed, 1 failed, 1 error, 1 inconclusive, 1 not applicable, 1 skipped, 1 interrupted · 5.0s",
    );
    const ascii = renderConsoleSummary(all, { columns: 160, color: false, unicode: false });
    expect(ascii).toContain(
      "+ pass  x fail  ! error  ? inconclusive  / not applicable  - skipped  ^ interrupted",
    );
    expect(ascii).not.toMatch(/[^\x20-\x7e\n]/);
  });

  it("json: every status as written, and the allowInconclusive policy", () => {
    const back = JSON.parse(renderJson({ ...all, allowInconclusive: true })) as RunResult;
    expect(back.schemaVersion).toBe(2);
    expect(back.results.map((r) => r.status)).toEqual([
      "pass",
      "fail",
      "error",
      "inconclusive",
      "not-applicable",
      "skipped",
      "interrupted",
    ]);
    expect(back.results[3]?.checks[0]?.deciding).toBe(true);
    expect(back.allowInconclusive).toBe(true);
  });

  it("junit: inconclusive is a <failure type=inconclusive> (a <skipped> when allowed); the others <skipped> with their type", () => {
    const root = parseXml(renderJunit(all));
    expect(root.attrs).toMatchObject({ tests: "7", failures: "2", errors: "1", skipped: "3" });
    const cases = findAll(root, "testcase");
    const [unsure] = findAll(cases[3]!, "failure");
    expect(unsure?.attrs.type).toBe("inconclusive");
    expect(unsure?.attrs.message).toContain(
      "inconclusive, no deciding check could apply: upstream-cancelled: the client never left",
    );
    expect(unsure?.text).toContain("upstream-cancelled (not applicable): the client never left <during>");
    expect(findAll(cases[4]!, "skipped")[0]?.attrs).toMatchObject({
      type: "not-applicable",
      message: expect.stringContaining("not applicable: the openai-relay contract declares no sessions"),
    });
    expect(findAll(cases[6]!, "skipped")[0]?.attrs.type).toBe("interrupted");
    const allowed = parseXml(renderJunit({ ...all, allowInconclusive: true }));
    expect(allowed.attrs).toMatchObject({ failures: "1", skipped: "4" });
    expect(findAll(findAll(allowed, "testcase")[3]!, "skipped")[0]?.attrs.type).toBe("inconclusive");
  });

  it("markdown: icons, counts apart, inconclusive details and the not-applicable reasons", () => {
    const md = renderMarkdown(all);
    expect(md).toContain(
      "## ❌ streamchaos: **1 passed**, **1 failed**, 1 error, **1 inconclusive**, 1 not applicable, 1 skipped, 1 interrupted",
    );
    expect(md).toContain("| `d-inconclusive` Title of d-inconclusive | ❔ |");
    // Not applicable everywhere: no row of its own (nothing failed), its reason in the list below.
    expect(md).not.toContain("| `e-not-applicable`");
    expect(md).toContain("| `g-interrupted` Title of g-interrupted | ⏹️ |");
    expect(md).toContain("### Failures (2) and inconclusive results (1)");
    expect(md).toContain("**`upstream-cancelled`** (not applicable): the client never left &lt;during&gt;");
    expect(md).toContain("➖ Not applicable (1): did not run");
    expect(md).toContain(
      "- `e-not-applicable` on `node-hardened/nginx`: the openai-relay contract declares no sessions (capabilities.sessions) &lt;so&gt;",
    );
    // Only inconclusive results: not green, a question.
    expect(renderMarkdown(run([passing("a"), inconclusive("b")]))).toMatch(/^## ❔ streamchaos/);
    expect(renderMarkdown(run([passing("a"), notApplicable("b")]))).toMatch(/^## ✅ streamchaos/);
  });

  it("html: a mark, a badge and a class per status; inconclusive opens; deciding checks are marked", () => {
    const html = renderHtml(all);
    const cells = [
      ...html.matchAll(/<td class="c ([a-z-]+)"[^>]*><a href="#r-\d+">(.)(?:<small>[^<]*<\/small>)*<\/a>/g),
    ].map(([, cls, mark]) => `${cls} ${mark}`);
    expect(cells).toEqual([
      "pass ✓",
      "fail ✗",
      "error !",
      "inconclusive ?",
      "not-applicable ∅",
      "skipped -",
      "interrupted ^",
    ]);
    expect(html).toMatch(/<details class="result inconclusive" id="r-3" data-key="[^"]*" open>/);
    expect(html).toContain('<span class="badge inconclusive">INCONCLUSIVE</span>');
    expect(html).toContain('<span class="s-inconclusive">1 inconclusive</span>');
    expect(html).toContain('<span class="s-not-applicable">1 not applicable</span>');
    expect(html).toContain('<span class="s-interrupted">1 interrupted</span>');
    expect(html).toContain('<code>upstream-cancelled</code><span class="deciding"');
    expect(html).toContain("<b>not-applicable:</b> the openai-relay contract declares no sessions");
  });

  it("compare: pass -> inconclusive is a regression; not-applicable is neither failing nor passing", () => {
    const before = run([passing("a"), passing("b"), inconclusive("c")]);
    const after = run([inconclusive("a"), notApplicable("b"), passing("c")]);
    const diff = compareRuns(after, before);
    expect(diff.newlyFailing.map((i) => `${i.id} ${i.previousStatus} → ${i.status}`)).toEqual([
      "a pass → inconclusive",
    ]);
    expect(diff.newlyPassing.map((i) => i.id)).toEqual(["c"]);
  });
});
