import { describe, expect, it } from "vitest";
import { GITHUB_COMMENT_LIMIT, renderMarkdown, STICKY_MARKER } from "./markdown.ts";
import { check, failing, mixedRun, passing, result, run, skipped } from "./testing/fixtures.ts";

/** Markdown outside fenced code blocks: where GitHub would render HTML and mentions. */
function outsideFences(md: string): string {
  return md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, "");
}

describe("markdown reporter", () => {
  const md = renderMarkdown(mixedRun());

  it("leads with a headline carrying the counts", () => {
    expect(md.split("\n")[0]).toBe(
      "## ❌ streamchaos: **5 passed**, **3 failed** (1 expected), 1 error, 0 inconclusive, 0 not applicable, 1 skipped",
    );
    expect(renderMarkdown(run([passing("a")])).split("\n")[0]).toMatch(
      /^## ✅ streamchaos: \*\*1 passed\*\*/,
    );
    // Only a failure the bug matrix expected: the run exits 0, so the headline is green.
    expect(renderMarkdown(run([passing("a"), failing("b", { expected: "fail" })])).split("\n")[0]).toBe(
      "## ✅ streamchaos: **1 passed**, **1 failed** (1 expected), 0 errors, 0 inconclusive, 0 not applicable, 0 skipped",
    );
  });

  it("draws the matrix as a table, one row per scenario that needs attention, the rest counted", () => {
    const lines = md.split("\n");
    const header = lines.findIndex((l) => l.startsWith("| scenario |"));
    expect(lines[header]).toBe(
      "| scenario | `node-hardened/nginx` | `node-hardened/caddy` | `python-naive/nginx` | `python-naive/caddy` |",
    );
    expect(lines[header + 1]).toBe("|---|:-:|:-:|:-:|:-:|");
    expect(lines[header + 2]).toBe("| `pre-stream-500` Title of pre-stream-500 | ✅ | ✅ | ❌ | ✅ |");
    expect(lines[header + 3]).toBe("| `mid-stream-cut` Title of mid-stream-cut | ✅ | ⚠️ | ❌ | ❌\\* |");
    expect(lines[header + 4]).toBe("");
    expect(lines[header + 5]).toBe("1 more scenario passed or did not apply on every column.");
    expect(md).not.toContain("`keepalive-swallowed`");
    expect(renderMarkdown(run([passing("a"), passing("b")]))).toContain(
      "_Every one of 2 scenarios passed or did not apply._",
    );
  });

  it("has one collapsed <details> per scenario × backend that failed, with checks and fenced evidence", () => {
    expect(md.match(/<details>/g)).toHaveLength(4);
    // The failure the bug matrix expected comes last: reviewers read the surprises first.
    const summaries = [
      ...md.matchAll(/<summary>.*? on <code>([^<]+)<\/code> via <code>([^<]+)<\/code>/g),
    ].map((m) => `${m[1]}/${m[2]}`);
    expect(summaries).toEqual([
      "python-naive/nginx",
      "node-hardened/caddy",
      "python-naive/nginx",
      "python-naive/caddy",
    ]);
    expect(md).toContain("Title of mid-stream-cut (expected on this backend)</summary>");
    const known = renderMarkdown(run([failing("known", { expected: "fail" }), failing("surprise")]));
    expect(known.indexOf("<code>surprise</code>")).toBeLessThan(known.indexOf("<code>known</code>"));
    expect(known.indexOf("<code>surprise</code>")).toBeGreaterThan(0);
    expect(md).toContain(
      "**`clean-chunked-termination`**: expected 0\\\\r\\\\n\\\\r\\\\n after the error event",
    );
    expect(md).toContain('last bytes at the probe: data: {"x":1}\\r\\n\\r\\n\\0\\x1b[31mRED');
    expect(md).toContain("**Error:** backend never became ready: exit 1 &lt;oops&gt;\\\\x1b\\[0m");
  });

  it("lists every edge a scenario failed on in one block, the same verdict said once", () => {
    const out = renderMarkdown(
      run([
        failing("cut", { edge: "nginx" }),
        failing("cut", { edge: "caddy" }),
        failing("cut", { edge: "nginx", profile: "sse-tuned", reason: "another way" }),
        failing("cut", { edge: "nginx", backend: "other" }),
      ]),
    );
    expect(out.match(/<details>/g)).toHaveLength(2);
    expect(out).toContain(
      "<code>cut</code> on <code>node-hardened</code> via <code>nginx, caddy, nginx:sse-tuned</code>",
    );
    expect(out).toContain("**via `caddy`** (1.2s): the same verdict as via `nginx`.");
    // A different verdict is shown in full; the same evidence is not repeated.
    expect(out.match(/last bytes at the probe/g)).toHaveLength(3);
  });

  it("ends with the hidden sticky-comment marker and links the HTML report when given", () => {
    const out = renderMarkdown(run([failing("a")]), {
      reportUrl: "https://ci.example.com/run/1/report.html",
    });
    expect(out.endsWith(`\n${STICKY_MARKER}\n`)).toBe(true);
    expect(STICKY_MARKER).toMatch(/^<!-- .* -->$/);
    expect(out.split("\n")[2]).toMatch(
      / · \[full HTML report\]\(https:\/\/ci\.example\.com\/run\/1\/report\.html\)$/,
    );
    expect(renderMarkdown(run([failing("a")]))).not.toContain("full HTML report");
  });

  it("keeps evidence from escaping its code block and markup from rendering", () => {
    const outside = outsideFences(md);
    expect(outside).not.toContain("<script");
    expect(outside).not.toContain("<b>");
    // The evidence holds a run of three backticks, so the fence is four.
    expect(md).toContain("````text\n");
    expect(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(md)).toBe(false);
  });

  it("escapes titles: pipes cannot split the table, HTML cannot render, mentions cannot ping", () => {
    const hostile = run([
      failing("t|1", {
        scenario: { id: "t|1", title: "<img src=x> | @octocat `x`", incident: "", category: "c" },
      }),
    ]);
    const out = renderMarkdown(hostile);
    const row = out.split("\n").find((l) => l.startsWith("| `t"));
    expect(row).toBe("| `t\\|1` &lt;img src=x&gt; \\| @\u200boctocat \\`x\\` | ❌ |");
    expect(outsideFences(out)).not.toMatch(/<img|@octocat/);
    const heading = renderMarkdown(
      run([
        failing("h", { scenario: { id: "h", title: "t", incident: "# 1. not (a) heading", category: "" } }),
      ]),
    );
    expect(heading).toContain("\n\\# 1. not (a) heading · 1.2s\n");
    const numbered = renderMarkdown(
      run([failing("n", { scenario: { id: "n", title: "t", incident: "3. item", category: "" } })]),
    );
    expect(numbered).toContain("\n3\\. item · 1.2s\n");
  });

  it("adds 'Changes since last run' when the previous run is given", () => {
    const previous = run([passing("a"), failing("b"), failing("c"), passing("gone")]);
    const current = run([failing("a"), passing("b"), failing("c"), skipped("new")]);
    const out = renderMarkdown(current, { previous });
    const section = out.slice(out.indexOf("### Changes since last run"), out.indexOf("### Failures"));
    expect(section).toContain("**🔴 Newly failing (1)**\n\n- `a` on `node-hardened/nginx`: pass → fail");
    expect(section).toContain("**🟢 Newly passing (1)**\n\n- `b` on `node-hardened/nginx`: fail → pass");
    expect(section).toContain("**🟠 Still failing (1)**\n\n- `c`");
    expect(section).toContain("**🆕 New (1)**\n\n- `new` on `node-hardened/nginx`: skipped");
    expect(section).toContain("**🗑️ Removed (1)**\n\n- `gone` on `node-hardened/nginx`: pass");
    expect(renderMarkdown(current)).not.toContain("Changes since last run");
    const same = renderMarkdown(current, { previous: current });
    expect(same).toContain("No regressions, fixes, new or removed results since last run.");
    expect(same).toContain("**🟠 Still failing (2)**");
  });

  it("stays under GitHub's comment limit with huge evidence and says what it cut", () => {
    const big = "x".repeat(20_000);
    const results = Array.from({ length: 300 }, (_, i) =>
      result(`s${i}`, "fail", {
        checks: [check("c", "fail", "cut", [{ kind: "bytes", label: "body", value: big }])],
      }),
    );
    const out = renderMarkdown(run(results));
    expect(out.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(out).toContain("| `s299` Title of s299 | ❌ |");
    expect(out).toMatch(/long evidence was cut to fit a GitHub comment; \d+ more failures not shown/);
    expect(out).toContain("(19900 more characters)");
  });

  it("cuts only the evidence when that is enough", () => {
    const results = Array.from({ length: 20 }, (_, i) =>
      result(`s${i}`, "fail", {
        checks: [check("c", "fail", "cut", [{ kind: "bytes", label: "body", value: "y".repeat(5_000) }])],
      }),
    );
    const out = renderMarkdown(run(results));
    expect(out.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(out.match(/<details>/g)).toHaveLength(20);
    expect(out).toContain("long evidence was cut");
    expect(out).not.toContain("not shown");
  });
});
