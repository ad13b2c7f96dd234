import { hostname } from "node:os";
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
 * backend x edge (classname "backend.edge", so they group by it), one <testcase> per scenario.
 */
export function renderJunit(run: RunResult): string {
  const suites = new Map<string, Suite>();
  for (const result of run.results) {
    const column = columnOf(result);
    const name = `${result.backend}.${result.edge}${column.profile ? `.${column.profile}` : ""}${column.client ? `.${column.client}` : ""}`;
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
 * - a failure the bug matrix expected is <skipped type="expected-failure">, the way pytest reports
 *   xfail: the exit code ignores it, and a <failure> would turn CI red for a known bug;
 * - inconclusive is <failure type="inconclusive">: it fails the run, and a <skipped> would show a
 *   scenario that judged nothing as harmless; with allowInconclusive it is <skipped type="inconclusive">;
 * - not-applicable and interrupted are <skipped> with that type and the reason: they gave no verdict
 *   about the backend (an interrupted run still exits 1 for being cut short).
 */
function countCases(cases: readonly ScenarioResult[], run: RunResult) {
  const known = cases.filter(isExpected).length;
  const count = (status: ScenarioResult["status"]) => cases.filter((r) => r.status === status).length;
  const inconclusive = count("inconclusive");
  return {
    tests: cases.length,
    failures: count("fail") - known + (run.allowInconclusive ? 0 : inconclusive),
    errors: count("error"),
    skipped:
      count("skipped") +
      known +
      count("not-applicable") +
      count("interrupted") +
      (run.allowInconclusive ? inconclusive : 0),
  };
}

const SKIPPED_TYPE: Partial<Record<ScenarioResult["status"], string>> = {
  "not-applicable": "not-applicable",
  interrupted: "interrupted",
};

function renderCase(classname: string, result: ScenarioResult, run: RunResult): string[] {
  const name = `${result.scenario.id} — ${result.scenario.title}`;
  const open = `    <testcase classname="${xmlAttr(classname)}" name="${xmlAttr(name)}" time="${seconds(result.durationMs)}"`;
  const note = expectationNote(result);
  if (result.status === "pass") return [`${open}/>`];
  if (result.status === "skipped") {
    return [
      `${open}>`,
      `      <skipped message="${attrMessage(result.reason ?? result.status)}"/>`,
      "    </testcase>",
    ];
  }
  const skippedType = SKIPPED_TYPE[result.status];
  if (skippedType) {
    const message = `${result.status.replace("-", " ")}: ${result.reason ?? "no reason given"}`;
    return [
      `${open}>`,
      `      <skipped message="${attrMessage(message)}" type="${skippedType}"/>`,
      "    </testcase>",
    ];
  }
  if (result.status === "error") {
    const reason = result.reason ?? "the scenario could not give a verdict";
    const body = [reason, ...(note ? [note] : []), "", ...scenarioLines(result)];
    return [
      `${open}>`,
      `      <error message="${attrMessage(note ? `${note} ${reason}` : reason)}" type="error">${xmlLines(body)}</error>`,
      ...systemOut(result),
      "    </testcase>",
    ];
  }
  const failing = verdictChecks(result);
  const unsure = result.status === "inconclusive";
  const tag = isExpected(result) || (unsure && run.allowInconclusive) ? "skipped" : "failure";
  const verdict = failing.length
    ? failing.map((check) => `${check.check}: ${check.summary}`).join("; ")
    : "failed (no failing check recorded)";
  const message = unsure ? `inconclusive, no deciding check could apply: ${verdict}` : verdict;
  const type = unsure
    ? "inconclusive"
    : isExpected(result)
      ? "expected-failure"
      : failing.map((check) => check.check).join(",") || "fail";
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
    `${open}>`,
    `      <${tag} message="${attrMessage(note ? `${note} ${message}` : message)}" type="${isExpected(result) ? "expected-failure" : xmlAttr(type)}">${xmlLines(body)}</${tag}>`,
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
