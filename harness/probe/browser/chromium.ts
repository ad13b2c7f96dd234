import { access, constants as fsConstants, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Browser } from "playwright-core";
import { UserError } from "../../../lib/errors.ts";
import { Teardown, trackLive } from "../../../lib/lifecycle.ts";
import { isMissingPackage, missingPackageError, type OptionalPackage } from "../../../lib/optional-import.ts";
import { makeTempDir } from "../../../lib/tempdir.ts";
import { runCommand } from "../../../runtime/process/run-command.ts";
import { startProcess } from "../../../runtime/process/start-process.ts";
import { Wait } from "../../../runtime/wait/wait.ts";
import type { ProbeObservation } from "../observation.ts";
import { runBrowserRequest } from "./browser-request.ts";
import type { BrowserRequestOptions } from "./browser-request-options.ts";

export const CHROMIUM_INSTALL = "apt-get install -y chromium";
/** The CDP driver: an optional peer, imported only when the browser client runs. */
export const PLAYWRIGHT_CORE: OptionalPackage = {
  name: "playwright-core",
  version: "1.64.1",
  feature: "the browser client",
  otherwise: "or leave browser out of the clients",
};
const PLAYWRIGHT_INSTALL = `npm i -D ${PLAYWRIGHT_CORE.name}@${PLAYWRIGHT_CORE.version}`;
/** Debian's package; `npx playwright install` cannot download browsers on these machines. */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";
/** Another Chromium (a distribution that installs it elsewhere): its path in this variable. */
export const CHROMIUM_ENV = "STREAMCHAOS_CHROMIUM";

function chromiumPath(): string {
  return process.env[CHROMIUM_ENV] || DEFAULT_CHROMIUM;
}

/**
 * Flags measured on these machines (reference/environment.md): headless, no sandbox (root), and no
 * background traffic, which a closed network answers with refused connections at every start. No
 * QUIC, so the request goes over the edge's TCP listener with TLS and HTTP/2 like the probe's.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserClientOptions {
  /** Default $STREAMCHAOS_CHROMIUM, else /usr/bin/chromium. */
  executablePath?: string;
  /**
   * Base64 SHA-256 SPKI hashes Chromium accepts without a trusted chain: the run's leaf
   * (`RunCa.leafSpkiSha256`). Narrower than ignoring certificate errors: any other certificate fails.
   */
  trustSpki?: string[];
  /** Parent of the fresh user-data-dir (the run's temp dir); a private temp dir otherwise. Removed either way. */
  tempDir?: string;
  /** The run asked for the browser: a missing Chromium is a UserError (exit 2) instead of a skip. */
  required?: boolean;
  /** Launch deadline, default 30 s. */
  launchTimeoutMs?: number;
}

export type ChromiumAvailability =
  | { ok: true; version: string; executablePath: string }
  | { ok: false; reason: string; install: string };

/** A launched browser, one per run: requests each get a fresh context. */
export interface StartedBrowser extends AsyncDisposable {
  version: string;
  pid: number;
  userDataDir: string;
  alive(): boolean;
  request(options: BrowserRequestOptions): Promise<ProbeObservation>;
}

export type BrowserLaunch =
  | { ok: true; browser: StartedBrowser }
  /** Chromium is not there: the browser client is skipped with this reason and the install command. */
  | { ok: false; skip: { reason: string; install: string } };

/** Whether Chromium can run here, and its version. Never throws for a missing or broken binary. */
export async function chromiumAvailable(executablePath = chromiumPath()): Promise<ChromiumAvailability> {
  try {
    await access(executablePath, fsConstants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason: `${executablePath} ${code === "ENOENT" ? "does not exist" : `is not executable (${code})`}`,
      install: CHROMIUM_INSTALL,
    };
  }
  try {
    // Debian's wrapper script prints a shell warning on some machines; the version is on stdout.
    const result = await runCommand(executablePath, ["--version"], {
      timeoutMs: 15_000,
      install: CHROMIUM_INSTALL,
    });
    const version = /(?:Chromium|Chrome)\s+([\d.]+)/.exec(result.stdout)?.[1];
    if (result.code === 0 && version) return { ok: true, version, executablePath };
    return {
      ok: false,
      reason: `\`${executablePath} --version\` failed: ${(result.stderr || result.stdout).trim().slice(0, 200)}`,
      install: CHROMIUM_INSTALL,
    };
  } catch (error) {
    return {
      ok: false,
      reason: `\`${executablePath} --version\` failed: ${error instanceof Error ? error.message : String(error)}`,
      install: CHROMIUM_INSTALL,
    };
  }
}

/**
 * Starts headless Chromium (Debian's) as a process of our own, in its own process group with a fresh
 * user-data-dir, and drives it over the DevTools protocol with playwright-core (`connectOverCDP`):
 * the runtime's process handling stops every renderer and zygote with it, and the profile dir is
 * ours to place and remove (playwright's own launch() refuses a `--user-data-dir`). Chromium missing
 * is a skip with the install command, or a UserError when the run requires the browser.
 */
export async function launchBrowserClient(options: BrowserClientOptions = {}): Promise<BrowserLaunch> {
  const executablePath = options.executablePath ?? chromiumPath();
  const availability = await chromiumAvailable(executablePath);
  if (!availability.ok) {
    if (options.required) {
      throw new UserError("BROWSER_UNAVAILABLE", {
        what: "The browser client needs Chromium, which is not available",
        why: availability.reason,
        fix: `Install it (${availability.install}), or leave browser out of --client.`,
      });
    }
    return {
      ok: false,
      skip: { reason: `browser client skipped: ${availability.reason}`, install: availability.install },
    };
  }

  // Before Chromium starts: a missing driver is a skip (or exit 2) like a missing browser.
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch (error) {
    if (!isMissingPackage(error, PLAYWRIGHT_CORE.name)) throw error;
    if (options.required) throw missingPackageError(PLAYWRIGHT_CORE, error);
    return {
      ok: false,
      skip: {
        reason: "browser client skipped: playwright-core is not installed",
        install: PLAYWRIGHT_INSTALL,
      },
    };
  }

  await using teardown = new Teardown();
  const dir = options.tempDir
    ? await mkdtemp(join(options.tempDir, "chromium-"))
    : teardown.use(await makeTempDir("chromium")).path;
  // Processes first, then the dir they write to: Chromium flushes its profile as it exits.
  if (options.tempDir) teardown.defer(() => rm(dir, { recursive: true, force: true }));
  teardown.defer(() => removeSingletonDir(dir));
  teardown.defer(() => killLeftovers(dir));
  const trust = options.trustSpki?.length
    ? [`--ignore-certificate-errors-spki-list=${options.trustSpki.join(",")}`]
    : [];
  const proc = teardown.use(
    await startProcess({
      name: "chromium (browser client)",
      command: executablePath,
      args: [...FLAGS, `--user-data-dir=${dir}`, "--remote-debugging-port=0", ...trust, "about:blank"],
      install: CHROMIUM_INSTALL,
      stopTimeoutMs: 3_000,
      readiness: Wait.forLogLine(/DevTools listening on ws:\/\//).withTimeout(
        options.launchTimeoutMs ?? 30_000,
      ),
    }),
  );
  const endpoint = proc
    .logs()
    .map((l) => /DevTools listening on (ws:\/\/\S+)/.exec(l.line)?.[1])
    .find((w) => w !== undefined)!;
  const browser: Browser = await playwright.chromium.connectOverCDP(endpoint, {
    timeout: options.launchTimeoutMs ?? 30_000,
  });
  teardown.defer(() => browser.close().catch(() => {}));
  const owned = teardown.move();

  let untrack = () => {};
  const started: StartedBrowser = {
    version: availability.version,
    pid: proc.pid,
    userDataDir: dir,
    alive: () => proc.alive() && browser.isConnected(),
    request: (request) => runBrowserRequest(browser, availability.version, request),
    async [Symbol.asyncDispose]() {
      try {
        await owned.dispose();
      } finally {
        untrack();
      }
    },
  };
  untrack = trackLive(started);
  return { ok: true, browser: started };
}

/**
 * Kills, by pid, any process still running with our user-data-dir on its command line: a Chromium
 * helper that left the process group would otherwise outlive the run. Linux only (/proc); elsewhere
 * the process-group stop is all there is.
 */
export async function chromiumProcessesFor(userDataDir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const needle = `--user-data-dir=${userDataDir}`;
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * The dir of the profile's lock socket, outside the profile: Chromium puts the socket in a dir of
 * its own under the system temp dir (org.chromium.Chromium.XXXXXX) and links it from the profile
 * as SingletonSocket; undefined when there is none.
 */
export async function chromiumSingletonDir(userDataDir: string): Promise<string | undefined> {
  const target = await readlink(join(userDataDir, "SingletonSocket")).catch(() => undefined);
  if (target === undefined) return undefined;
  const dir = dirname(target);
  return basename(dir).startsWith("org.chromium.Chromium.") ? dir : undefined;
}

/**
 * Chromium removes its singleton dir (chromiumSingletonDir) only on a clean exit. Stopped with its
 * process group, as a run stops it, it had left one in /tmp per browser client started: 131 after
 * a day of test runs here.
 */
async function removeSingletonDir(userDataDir: string): Promise<void> {
  const dir = await chromiumSingletonDir(userDataDir);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

async function killLeftovers(userDataDir: string): Promise<void> {
  for (const pid of await chromiumProcessesFor(userDataDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone in the meantime.
    }
  }
}
