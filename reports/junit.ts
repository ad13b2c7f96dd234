import { hostname } from "node:os";
import { isAbsolute, relative } from "node:path";
import type { RunResult, ScenarioResult } from "../harness/results.ts";
import { columnOf, isExpected, verdictChecks } from "./internal/matrix.ts";
import { writeReportFile } from "./internal/output.ts";
import { printable } from "./internal/text.ts";
import { offset } from "./internal/timeline-svg.ts";
import { xmlAttr, xmlLines } from "./internal/xml.ts";
import type { FinishOptions, FinishOutput, Reporter } from "./reporter.ts";

export const JUNIT_FILE = "junit.xml";

/** CI systems show `message` on one line; longer ones are cut here and the body has everything. */
const MESSAGE_MAX = 500;

interface Suite {
  name: string;
  backend: string;
  edge: string;
  profile?: string;
  client: string;
  cases: ScenarioResult[];
}

/**
 * The JUnit shape Jenkins, GitLab and GitHub test-report actions read: one <testsuite> per
 * backend × edge × profile, one <testcase> per scenario, named by what does not change between runs
 * (test history is keyed on classname + name): name = the scenario id (a title can be reworded),
 * classname = `backend.edge.profile` ("default" when the edge runs its own config), with
 * `.client` appended when the run has a client dimension, so h1 and h2 are two histories.
 */
export function renderJunit(run: RunResult): string {
  const suites = new Map<string, Suite>();
  for (const result of run.results) {
    const column = columnOf(result);
    const name = classnameOf(result);
    let suite = suites.get(name);
    if (!suite) {
      suite = { name, backend: result.backend, edge: result.edge, client: result.client ?? "h1", cases: [] };
      if (column.profile) suite.profile = column.profile;
      suites.set(name, suite);
    }
    suite.cases.push(result);
  }
  const c = countCases(run.results, run);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="streamchaos" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(run.durationMs)}" timestamp="${isoTime(run.startedAt)}">`,
  );
  for (const suite of suites.values()) out.push(...renderSuite(suite, run));
  out.push("</testsuites>", "");
  return out.join("\n");
}

function renderSuite(suite: Suite, run: RunResult): string[] {
  const c = countCases(suite.cases, run);
  const time = suite.cases.reduce((sum, c) => sum + c.durationMs, 0);
  const started = Math.min(...suite.cases.map((c) => c.startedAt));
  const out = [
    `  <testsuite name="${xmlAttr(suite.name)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(time)}" timestamp="${isoTime(started)}" hostname="${xmlAttr(hostname())}">`,
    "    <properties>",
    `      <property name="backend" value="${xmlAttr(suite.backend)}"/>`,
    `      <property name="edge" value="${xmlAttr(suite.edge)}"/>`,
  ];
  if (suite.profile) out.push(`      <property name="profile" value="${xmlAttr(suite.profile)}"/>`);
  out.push(`      <property name="client" value="${xmlAttr(suite.client)}"/>`);
  out.push("    </properties>");
  for (const result of suite.cases) out.push(...renderCase(suite.name, result, run));
  out.push("  </testsuite>");
  return out;
}

/**
 * JUnit knows pass, failure, error and skipped, and CI test views (Jenkins, GitLab, GitHub's
 * test-report actions) show nothing else: a <property> would be invisible. So each status maps
 * onto what the run's exit code does with it (harness/results.ts failsRun):
 * - a failure the backend's expectFailures lists passes (no child element), with the property
 *   `expected-failure` holding the verdict: the exit code ignores it, a <failure> would turn CI red
 *   for a known bug, and a <skipped> would drop it from CI views that hide skips;
 * - inconclusive is <failure type="inconclusive">: it fails the run, and a <skipped> would show a
 *   scenario that judged nothing as harmless; with allowInconclusive it is <skipped type="inconclusive">;
 * - not-applicable and interrupted are <skipped> with that type and the reason: they gave no verdict
 *   about the backend (an interrupted run still exits 1 for being cut short).
 */
function countCases(cases: readonly ScenarioResult[], run: RunResult) {
  const known = cases.filter((r) => r.status === "fail" && isExpected(r)).length;
  const count = (status: ScenarioResult["status"]) => cases.filter((r) => r.status === status).length;
  const inconclusive = count("inconclusive");
  return {
    tests: cases.length,
    failures: count("fail") - known + (run.allowInconclusive ? 0 : inconclusive),
    errors: count("error"),
    skipped:
      count("skipped") +
      count("not-applicable") +
      count("interrupted") +
      (run.allowInconclusive ? inconclusive : 0),
  };
}

const SKIPPED_TYPE: Partial<Record<ScenarioResult["status"], string>> = {
  "not-applicable": "not-applicable",
  interrupted: "interrupted",
};

/** `backend.edge.profile[.client]`: the case's class, the same on every run of that column. */
export function classnameOf(result: ScenarioResult): string {
  const profile = columnOf(result).profile ?? "default";
  // h1 is the default client: its classname stays the one CI history has from before clients.
  const client = result.client && result.client !== "h1" ? `.${result.client}` : "";
  return `${result.backend}.${result.edge}.${profile}${client}`;
}

/**
 * Per-case properties: what a CI view filters and groups on without parsing names. `hop` is the
 * first failing deciding check's, when the run tapped its hops; `client` when the run has one.
 */
function caseProperties(result: ScenarioResult, run: RunResult): string[] {
  const hop = verdictChecks(result).find((check) => check.status === "fail" && check.hop?.origin)?.hop
    ?.origin;
  const file = scenarioFile(result, run);
  const props: Array<[string, string | undefined]> = [
    ["scenario", result.scenario.id],
    ["title", result.scenario.title],
    ["class", result.scenario.category],
    ["incident", result.scenario.incident],
    ["hop", hop],
    ["client", result.client],
    ["file", file],
  ];
  if (result.status === "fail" && isExpected(result)) props.push(["expected-failure", verdictText(result)]);
  return [
    "      <properties>",
    ...props
      .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "")
      .map(([name, value]) => `        <property name="${name}" value="${attrMessage(value)}"/>`),
    "      </properties>",
  ];
}

/** The scenario's file relative to the working directory (as CI shows a test's file), else absolute. */
function scenarioFile(result: ScenarioResult, run: RunResult): string | undefined {
  const file = run.setup?.scenarios[result.scenario.id]?.source?.file;
  if (!file) return undefined;
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

function verdictText(result: ScenarioResult): string {
  const failing = verdictChecks(result);
  return failing.length
    ? failing.map((check) => `${check.check}: ${check.summary}`).join("; ")
    : "failed (no failing check recorded)";
}

function renderCase(classname: string, result: ScenarioResult, run: RunResult): string[] {
  const file = scenarioFile(result, run);
  const open = `    <testcase classname="${xmlAttr(classname)}" name="${xmlAttr(result.scenario.id)}"${file ? ` file="${xmlAttr(file)}"` : ""} time="${seconds(result.durationMs)}">`;
  const props = caseProperties(result, run);
  const note = expectationNote(result);
  if (result.status === "pass") return [open, ...props, "    </testcase>"];
  if (result.status === "fail" && isExpected(result)) {
    // A known failure passes, its verdict kept in the property and in system-out.
    return [open, ...props, ...systemOut(result), "    </testcase>"];
  }
  if (result.status === "skipped") {
    return [
      open,
      ...props,
      `      <skipped message="${attrMessage(result.reason ?? result.status)}"/>`,
      "    </testcase>",
    ];
  }
  const skippedType = SKIPPED_TYPE[result.status];
  if (skippedType) {
    const message = `${result.status.replace("-", " ")}: ${result.reason ?? "no reason given"}`;
    return [
      open,
      ...props,
      `      <skipped message="${attrMessage(message)}" type="${skippedType}"/>`,
      "    </testcase>",
    ];
  }
  if (result.status === "error") {
    const reason = result.reason ?? "the scenario could not give a verdict";
    const body = [reason, ...(note ? [note] : []), "", ...scenarioLines(result)];
    return [
      open,
      ...props,
      `      <error message="${attrMessage(note ? `${note} ${reason}` : reason)}" type="error">${xmlLines(body)}</error>`,
      ...systemOut(result),
      "    </testcase>",
    ];
  }
  const failing = verdictChecks(result);
  const unsure = result.status === "inconclusive";
  const tag = unsure && run.allowInconclusive ? "skipped" : "failure";
  const verdict = verdictText(result);
  const message = unsure ? `inconclusive, no deciding check could apply: ${verdict}` : verdict;
  const type = unsure ? "inconclusive" : failing.map((check) => check.check).join(",") || "fail";
  const body: string[] = [];
  if (note) body.push(note, "");
  for (const check of failing) {
    body.push(
      `${check.check}${check.status === "not-applicable" ? " (not applicable)" : ""}: ${check.summary}`,
    );
    for (const evidence of check.evidence) {
      const at = evidence.t === undefined ? "" : ` (t+${(evidence.t - result.startedAt).toFixed(1)}ms)`;
      body.push(`  [${evidence.kind}] ${evidence.label}${at}: ${evidence.value}`);
    }
    body.push("");
  }
  body.push(...scenarioLines(result));
  return [
    open,
    ...props,
    `      <${tag} message="${attrMessage(note ? `${note} ${message}` : message)}" type="${xmlAttr(type)}">${xmlLines(body)}</${tag}>`,
    ...systemOut(result),
    "    </testcase>",
  ];
}

/** Events in <system-out> per failed case; the rest are in results.json and report.html. */
const TIMELINE_LINES = 200;

/** The timeline as text, relative to the scenario start: what an engineer reads first in CI. */
function systemOut(result: ScenarioResult): string[] {
  if (result.timeline.length === 0) return [];
  const lines = result.timeline
    .slice(0, TIMELINE_LINES)
    .map(
      (e) =>
        `${offset(e.t - result.startedAt).padStart(9)}  ${e.source.padEnd(9)} ${e.kind.padEnd(12)} ${e.detail}`,
    );
  if (result.timeline.length > TIMELINE_LINES) {
    lines.push(`… ${result.timeline.length - TIMELINE_LINES} more events in results.json`);
  }
  return [`      <system-out>${xmlLines(lines)}</system-out>`];
}

function scenarioLines(result: ScenarioResult): string[] {
  const lines = [`scenario: ${result.scenario.id} (${result.scenario.category})`];
  if (result.scenario.incident) lines.push(`models: ${result.scenario.incident}`);
  lines.push(`runtime: ${result.runtime}, lane ${result.lane}`);
  return lines;
}

function expectationNote(result: ScenarioResult): string | undefined {
  if (result.expected === undefined) return undefined;
  return isExpected(result)
    ? `[expected ${result.expected} on this backend]`
    : `[expected ${result.expected}, got ${result.status}]`;
}

function attrMessage(text: string): string {
  const line = printable(text);
  return xmlAttr(line.length > MESSAGE_MAX ? `${line.slice(0, MESSAGE_MAX - 1)}…` : line);
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function isoTime(epochMs: number): string {
  // JUnit's timestamp is ISO 8601 without a zone designator in the original schema; seconds precision.
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString().slice(0, 19) : "";
}

export function createJunitReporter(): Reporter {
  return {
    name: "junit",
    writesFiles: true,
    async onFinish(run: RunResult, options: FinishOptions): Promise<FinishOutput> {
      return {
        files: [await writeReportFile("junit", options.outDir, JUNIT_FILE, renderJunit(run), options)],
      };
    },
  };
}
