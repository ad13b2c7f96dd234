import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../lib/tempdir.ts";
import { createJunitReporter, renderJunit } from "./junit.ts";
import { failing, mixedRun, passing, run } from "./testing/fixtures.ts";
import { findAll, parseXml } from "./testing/xml-wellformed.ts";

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

describe("junit reporter", () => {
  const xml = renderJunit(mixedRun());
  const root = parseXml(xml);

  it("is well-formed XML with the run totals on <testsuites>", () => {
    expect(root.name).toBe("testsuites");
    // The failure the bug matrix expected counts as skipped (pytest's xfail), not as a failure.
    expect(root.attrs).toMatchObject({
      tests: "10",
      failures: "2",
      errors: "1",
      skipped: "2",
      time: "5.000",
    });
    expect(CONTROL.test(xml)).toBe(false);
  });

  it("has one testsuite per backend x edge with per-suite counts", () => {
    const suites = findAll(root, "testsuite");
    expect(suites.map((s) => s.attrs.name)).toEqual([
      "node-hardened.nginx",
      "node-hardened.caddy",
      "python-naive.nginx",
      "python-naive.caddy",
    ]);
    const naiveNginx = suites[2];
    expect(naiveNginx?.attrs).toMatchObject({ tests: "2", failures: "2", errors: "0", skipped: "0" });
    const hardenedCaddy = suites[1];
    expect(hardenedCaddy?.attrs).toMatchObject({ tests: "3", failures: "0", errors: "1", skipped: "0" });
    expect(findAll(root, "testcase")).toHaveLength(10);
  });

  it("names cases classname=backend.edge and name='id — title' with times in seconds", () => {
    const cases = findAll(root, "testcase");
    expect(cases[0]?.attrs).toMatchObject({
      classname: "node-hardened.nginx",
      name: "pre-stream-500 — Title of pre-stream-500",
    });
    expect(cases[0]?.attrs.time).toMatch(/^1\.23[45]$/);
  });

  it("puts failing checks' summaries in the message and evidence, escaped, in the body", () => {
    const failures = findAll(root, "failure");
    expect(failures).toHaveLength(2);
    const first = failures[0];
    expect(first?.attrs.type).toBe("clean-chunked-termination");
    expect(first?.attrs.message).toContain("clean-chunked-termination: expected 0\\r\\n\\r\\n");
    // The raw CRLF and ESC of the provider bytes show as text; markup in them stays text.
    expect(first?.text).toContain(
      'last bytes at the probe (t+410.3ms): data: {"x":1}\\r\\n\\r\\n\\0\\x1b[31mRED',
    );
    expect(first?.text).toContain("</script><script>alert(1)</script>]]>\\ud800");
    expect(first?.text).not.toContain("in-stream-error-marker");
  });

  it("reports a failure the bug matrix expected as skipped, evidence still in the body", () => {
    const known = findAll(root, "skipped").filter((s) => s.attrs.type === "expected-failure");
    expect(known).toHaveLength(1);
    expect(known[0]?.attrs.message).toMatch(/^\[expected fail on this backend\] clean-chunked-termination: /);
    expect(known[0]?.text).toContain("last bytes at the probe");
    const suite = findAll(root, "testsuite").find((s) => s.attrs.name === "python-naive.caddy");
    expect(suite?.attrs).toMatchObject({ tests: "2", failures: "0", skipped: "1" });
  });

  it("puts the timeline, relative to the scenario start, in <system-out> of failed cases only", () => {
    const outs = findAll(root, "system-out");
    expect(outs).toHaveLength(3);
    const lines = outs[0]?.text.split("\n") ?? [];
    expect(lines[0]).toBe("     +2ms  probe     request      POST /v1/chat");
    expect(lines).toContain("   +300ms  fake      fault        destroy socket after 2 events");
    expect(outs[0]?.text).toContain("Traceback <script>alert(2)</script>");
  });

  it("reports error with its reason and skipped with its reason", () => {
    const [error] = findAll(root, "error");
    expect(error?.attrs.message).toBe("backend never became ready: exit 1 <oops>\\x1b[0m");
    const [skip] = findAll(root, "skipped");
    expect(skip?.attrs.message).toBe("needs docker & no engine");
  });

  it("escapes quotes, newlines and controls inside attributes", () => {
    const nasty = renderJunit(
      run([
        passing("q", {
          scenario: { id: "q", title: "a \"b\" 'c' <d>\r\n\u0001", incident: "", category: "x" },
        }),
      ]),
    );
    const [testcase] = findAll(parseXml(nasty), "testcase");
    expect(testcase?.attrs.name).toBe("q — a \"b\" 'c' <d>\\r\\n\\x01");
  });

  it("writes junit.xml into outDir", async () => {
    await using dir = await makeTempDir("junit-test");
    const out = await createJunitReporter().onFinish(run([failing("w")]), {
      outDir: join(dir.path, "nested"),
    });
    expect(out.files).toEqual([join(dir.path, "nested", "junit.xml")]);
    expect(findAll(parseXml(await readFile(out.files[0] ?? "", "utf8")), "failure")).toHaveLength(1);
  });

  it("refuses to run without outDir or with an outDir that is a file", async () => {
    const reporter = createJunitReporter();
    await expect(reporter.onFinish(run([]), {})).rejects.toMatchObject({ code: "REPORT_NO_OUTDIR" });
    await using dir = await makeTempDir("junit-test");
    const file = join(dir.path, "not-a-dir");
    await writeFile(file, "x");
    await expect(reporter.onFinish(run([]), { outDir: file })).rejects.toMatchObject({
      code: "REPORT_WRITE_FAILED",
      name: "UserError",
    });
  });

  it("is still well-formed for an empty run", () => {
    const empty = parseXml(renderJunit(run([])));
    expect(empty.attrs.tests).toBe("0");
    expect(findAll(empty, "testsuite")).toHaveLength(0);
  });
});
