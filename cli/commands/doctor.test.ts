import { describe, expect, it } from "vitest";
import { captureOutput } from "../../lib/testing.ts";
import { main } from "../main.ts";
import {
  type DoctorReport,
  formatReport,
  nodeVersionOk,
  type ProbeResult,
  parseCaddyVersion,
  parseChromiumVersion,
  parseDockerVersion,
  parseNginxVersion,
  readiness,
} from "./doctor.ts";

const check = (over: Partial<ProbeResult>): ProbeResult => ({
  id: "x",
  label: "x",
  status: "ok",
  detail: "",
  optional: false,
  needs: [],
  ...over,
});

describe("doctor parsing", () => {
  it("accepts Node 20.19 and later, rejects older", () => {
    expect(nodeVersionOk("v20.19.0")).toBe(true);
    expect(nodeVersionOk("v20.20.2")).toBe(true);
    expect(nodeVersionOk("v22.1.0")).toBe(true);
    expect(nodeVersionOk("v20.18.3")).toBe(false);
    expect(nodeVersionOk("v18.19.0")).toBe(false);
    expect(nodeVersionOk("garbage")).toBe(false);
  });

  it("reads the versions the tools print", () => {
    expect(parseNginxVersion("nginx version: nginx/1.22.1\n")).toBe("1.22.1");
    expect(parseNginxVersion("bash: nginx: command not found")).toBeUndefined();
    expect(parseCaddyVersion("v2.6.2 h1:wKoFIxpmOJLGl3QXoo6PNbYvGW4xLEgo32GPBEjWL8o=\n")).toBe("2.6.2");
    expect(parseCaddyVersion("")).toBeUndefined();
    expect(parseDockerVersion("Docker version 20.10.24+dfsg1, build 297e128\n")).toBe("20.10.24+dfsg1");
    expect(parseChromiumVersion("Chromium 120.0.6099.224 built on Debian 12.4\n")).toBe("120.0.6099.224");
  });
});

describe("doctor report", () => {
  const report = (checks: ProbeResult[]): DoctorReport => ({ checks, ready: readiness(checks) });

  it("says which runtime is ready, counting a stale image as usable and optional pieces as not needed", () => {
    const checks = [
      check({
        id: "nginx",
        label: "nginx",
        needs: ["local"],
        status: "missing",
        fix: "apt-get install -y nginx",
      }),
      check({ id: "image:fake", label: "image fake", needs: ["docker"], status: "warn", fix: "rebuild" }),
      check({
        id: "chromium",
        label: "chromium",
        optional: true,
        status: "missing",
        fix: "apt-get install -y chromium",
      }),
    ];
    expect(readiness(checks)).toEqual({ local: false, docker: true });
    const text = formatReport(report(checks));
    expect(text).toMatch(/missing\s+nginx/);
    expect(text).toContain("fix: apt-get install -y nginx");
    expect(text).toContain("fix: rebuild");
    // An optional piece is "absent", not "missing", and keeps its fix.
    expect(text).toMatch(/absent\s+chromium/);
    expect(text).toContain("--runtime local  not ready (missing: nginx)");
    expect(text).toContain("--runtime docker ready");
  });

  it("shows no fix line for what is fine", () => {
    const text = formatReport(report([check({ label: "node", detail: "v20.20.2", fix: "never shown" })]));
    expect(text).toContain("node  v20.20.2");
    expect(text).not.toContain("never shown");
  });
});

describe("streamchaos doctor", () => {
  it("probes this machine and prints JSON, exiting 0", async () => {
    const out = captureOutput();
    const err = captureOutput();
    const code = await main(["doctor", "--json"], { stdout: out.stream, stderr: err.stream });
    expect(code).toBe(0);
    const report = JSON.parse(out.text()) as DoctorReport;
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      "node",
      "nginx",
      "caddy",
      "python",
      "docker-client",
      "docker-engine",
      "image:nginx",
      "chromium",
    ]) {
      expect(ids).toContain(id);
    }
    // The process running this test is a Node the project supports.
    expect(report.checks.find((c) => c.id === "node")).toMatchObject({
      status: "ok",
      detail: process.version,
    });
    for (const c of report.checks) {
      if (c.status === "missing") expect(c.fix, c.id).toBeTruthy();
    }
  });

  it("prints the human report", async () => {
    const out = captureOutput();
    const code = await main(["doctor"], { stdout: out.stream, stderr: captureOutput().stream });
    expect(code).toBe(0);
    expect(out.text()).toContain("streamchaos doctor");
    expect(out.text()).toMatch(/--runtime local\s+(ready|not ready)/);
  });

  it("rejects unknown flags and arguments with exit 2", async () => {
    const err = captureOutput();
    expect(await main(["doctor", "--bogus"], { stdout: captureOutput().stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain("error[CLI_UNKNOWN_FLAG]: Unknown flag --bogus");
    expect(
      await main(["doctor", "extra"], { stdout: captureOutput().stream, stderr: captureOutput().stream }),
    ).toBe(2);
  });
});
