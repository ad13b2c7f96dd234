import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../harness/results.ts";
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
    // The failure the bug matrix expected passes (with a property), it is neither failed nor skipped.
    expect(root.attrs).toMatchObject({
      tests: "10",
      failures: "2",
      errors: "1",
      skipped: "1",
      time: "5.000",
    });
    expect(CONTROL.test(xml)).toBe(false);
  });

  it("has one testsuite per backend x edge x profile with per-suite counts", () => {
    const suites = findAll(root, "testsuite");
    expect(suites.map((s) => s.attrs.name)).toEqual([
      "node-hardened.nginx.default",
      "node-hardened.caddy.default",
      "python-naive.nginx.default",
      "python-naive.caddy.default",
    ]);
    const naiveNginx = suites[2];
    expect(naiveNginx?.attrs).toMatchObject({ tests: "2", failures: "2", errors: "0", skipped: "0" });
    const hardenedCaddy = suites[1];
    expect(hardenedCaddy?.attrs).toMatchObject({ tests: "3", failures: "0", errors: "1", skipped: "0" });
    expect(findAll(root, "testcase")).toHaveLength(10);
  });

  it("names cases classname=backend.edge.profile and name=scenario id, with times in seconds", () => {
    const cases = findAll(root, "testcase");
    expect(cases[0]?.attrs).toMatchObject({
      classname: "node-hardened.nginx.default",
      name: "pre-stream-500",
    });
    expect(cases[0]?.attrs.time).toMatch(/^1\.23[45]$/);
  });

  it("names stay when a title is reworded, a profile and a client are part of the class", () => {
    const a = passing("x", { profile: "sse-tuned", client: "h2" });
    const b = passing("x", {
      profile: "sse-tuned",
      client: "h2",
      scenario: { ...a.scenario, title: "A new title" },
      durationMs: 99,
    });
    const [one] = findAll(parseXml(renderJunit(run([a]))), "testcase");
    const [two] = findAll(parseXml(renderJunit(run([b]))), "testcase");
    expect(one?.attrs).toMatchObject({ name: "x", classname: "node-hardened.nginx.sse-tuned.h2" });
    expect([two?.attrs.name, two?.attrs.classname]).toEqual([one?.attrs.name, one?.attrs.classname]);
  });

  it("gives each case its properties and the scenario's file, relative to the working directory", () => {
    const withHop = failing("cut", { client: "browser" });
    withHop.checks[0] = {
      ...withHop.checks[0]!,
      hop: { origin: "B", text: "hop B: the backend closed mid-chunk, no terminating chunk" },
    };
    const scenarios = {
      cut: {
        id: "cut",
        source: { builtin: false, file: join(process.cwd(), "chaos", "cut.scenario.ts") },
      },
    } as unknown as NonNullable<RunResult["setup"]>["scenarios"];
    const setup = { cwd: "/", backends: [], edges: [], scenarios, cassettes: {} };
    const doc = parseXml(renderJunit(run([withHop], { setup })));
    const [testcase] = findAll(doc, "testcase");
    expect(testcase?.attrs.file).toBe(join("chaos", "cut.scenario.ts"));
    const props = Object.fromEntries(
      findAll(testcase!, "property").map((p) => [p.attrs.name, p.attrs.value]),
    );
    expect(props).toEqual({
      scenario: "cut",
      title: "Title of cut",
      class: "pre-stream",
      incident: "incident 000 issue 2",
      hop: "B",
      client: "browser",
      file: join("chaos", "cut.scenario.ts"),
    });
    // Without a hop or a client (a run that has neither dimension), no empty property.
    const [plain] = findAll(parseXml(renderJunit(run([passing("p")]))), "testcase");
    expect(findAll(plain!, "property").map((p) => p.attrs.name)).toEqual([
      "scenario",
      "title",
      "class",
      "incident",
    ]);
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

  it("reports a failure the bug matrix expected as a pass with the verdict in a property", () => {
    const known = findAll(root, "testcase").filter((c) =>
      findAll(c, "property").some((p) => p.attrs.name === "expected-failure"),
    );
    expect(known).toHaveLength(1);
    expect(findAll(known[0]!, "failure")).toHaveLength(0);
    expect(findAll(known[0]!, "skipped")).toHaveLength(0);
    const property = findAll(known[0]!, "property").find((p) => p.attrs.name === "expected-failure");
    expect(property?.attrs.value).toMatch(/^clean-chunked-termination: /);
    expect(findAll(known[0]!, "system-out")[0]?.text).toContain("destroy socket after 2 events");
    const suite = findAll(root, "testsuite").find((s) => s.attrs.name === "python-naive.caddy.default");
    expect(suite?.attrs).toMatchObject({ tests: "2", failures: "0", skipped: "0" });
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
    const title = findAll(testcase!, "property").find((p) => p.attrs.name === "title");
    expect(title?.attrs.value).toBe("a \"b\" 'c' <d>\\r\\n\\x01");
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
