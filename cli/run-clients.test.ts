import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM_ENV } from "../harness/probe/browser/chromium.ts";
import { captureOutput } from "../lib/testing.ts";
import { main } from "./main.ts";

/**
 * `--client` and config `clients` bad input: each is exit 2 with what, why and how to fix, before
 * anything starts (the backend below would fail if it were ever started).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-clients-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env[CHROMIUM_ENV];
});

const backend = {
  name: "sut",
  command: [process.execPath, "-e", "process.exit(7)"],
  provider: "openai",
  contract: "openai-relay",
};

async function runWith(config: Record<string, unknown>, extra: string[] = []) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ backends: [backend], scenarios: ["happy-path"], ...config }));
  const stdout = captureOutput();
  const stderr = captureOutput();
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const code = await main(["run", "--config", file, "--reporter", "json", "--out", out, ...extra], {
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stderr: stderr.text(), out };
}

describe("streamchaos run --client: bad input is exit 2", () => {
  test("an unknown client names the clients and what was probably meant", async () => {
    const { code, stderr } = await runWith({ edges: ["nginx"] }, ["--client", "h1,brwoser"]);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown client "brwoser"');
    expect(stderr).toContain('"brwoser": did you mean browser?');
    expect(stderr).toContain("CLIENT_UNKNOWN");
  });

  test("an unknown client in the config's clients is the same error", async () => {
    const { code, stderr } = await runWith({ edges: ["nginx"], clients: ["h3"] });
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown client "h3"');
  });

  test("h2 with a user's edge config that has no TLS listener names the placeholders it needs", async () => {
    const conf = join(dir, "nginx.conf");
    await writeFile(
      conf,
      "events {}\nhttp { server { listen {{port}}; location / { proxy_pass http://{{upstream}}; } } }\n",
    );
    const { code, stderr } = await runWith({ edges: [{ edge: "nginx", config: conf }] }, ["--client", "h2"]);
    expect(code).toBe(2);
    expect(stderr).toContain("EDGE_CONFIG_TLS_PLACEHOLDER_MISSING");
    expect(stderr).toContain("does not use {{tls.port}}, {{tls.cert}}, {{tls.key}}");
    expect(stderr).toContain("listen {{tls.port}} ssl http2;");
  });

  test("--client browser without Chromium says how to install it", async () => {
    process.env[CHROMIUM_ENV] = join(dir, "no-chromium-here");
    const { code, stderr } = await runWith({ edges: ["nginx"] }, ["--client", "browser"]);
    expect(code).toBe(2);
    expect(stderr).toContain("BROWSER_UNAVAILABLE");
    expect(stderr).toContain("apt-get install -y chromium");
  });

  test("the config's browser entries without Chromium are skipped with the install command, not a crash", async () => {
    process.env[CHROMIUM_ENV] = join(dir, "no-chromium-here");
    const { code, out } = await runWith({ edges: ["nginx"], clients: ["browser"] });
    expect(code).toBe(0);
    const run = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ client: "browser", status: "skipped" });
    expect(run.results[0].reason).toContain("apt-get install -y chromium");
  });

  test("h2 and browser on the docker runtime say they run on the local runtime", async () => {
    const { code, stderr } = await runWith({ edges: ["nginx"] }, [
      "--client",
      "h1,h2",
      "--runtime",
      "docker",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("CLIENT_RUNTIME_UNSUPPORTED");
    expect(stderr).toContain("The h2 client cannot run on the docker runtime");
    expect(stderr).toContain("--runtime local");
  });
});
