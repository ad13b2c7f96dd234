import { describe, expect, it } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends, hardenedBackends } from "../harness/demo.ts";
import { chromiumAvailable } from "../harness/probe/browser/chromium.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { caddyEdge } from "../proxies/caddy/caddy-edge.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";
import { startTinyRelay } from "./testing/tiny-relay.ts";

/**
 * The clients wired into runs: the same backend behaviour through the same edge gets the same verdict
 * from the h1 probe, the h2 probe and Chromium's fetch() reader. A backend that cuts its stream when
 * the provider fails mid-stream (`node-raise-mid-stream`, incident 000 issue 2) fails on all three;
 * the hardened one, which ends the stream with its error marker, passes on all three.
 */
const chromium = await chromiumAvailable();
const edgesReady = (await nginxEdge.available()).ok && (await caddyEdge.available()).ok;
if (!chromium.ok) console.warn(`skipping clients in runs: ${chromium.reason} (${chromium.install})`);

describe.skipIf(!chromium.ok || !edgesReady)("clients in a run, through nginx and Caddy", () => {
  it("a mid-stream cut is broken on h1, h2 and browser; the hardened backend passes on all three", async () => {
    const [hardened] = hardenedBackends({ python: false });
    const [cutting] = bugBackends({ "node-raise-mid-stream": ["mid-connection-fin"] }, { python: false });
    const config = resolveConfig(
      {
        backends: [hardened!, cutting!],
        edges: [{ edge: "nginx", profile: "sse-tuned" }, "caddy"],
        clients: ["h1", "h2", "browser"],
        scenarios: ["mid-connection-fin"],
        lanes: 2,
      },
      "clients test",
    );
    const run = await runSuite({ config, reporters: [] });
    const cell = (backend: string, edge: string, client: string): ScenarioResult => {
      const found = run.results.find((r) => r.backend === backend && r.edge === edge && r.client === client);
      if (!found) throw new Error(`no result for ${backend} ${edge} ${client}`);
      return found;
    };
    expect(run.results).toHaveLength(12);
    for (const edge of ["nginx", "caddy"]) {
      for (const client of ["h1", "h2", "browser"]) {
        const good = cell("node-openai", edge, client);
        expect(good.status, `${edge} ${client}: ${good.reason ?? JSON.stringify(good.checks)}`).toBe("pass");
        const bad = cell("node-raise-mid-stream", edge, client);
        expect(bad.status, `${edge} ${client}: ${JSON.stringify(bad.checks)}`).toBe("fail");
        expect(bad.checks.find((c) => c.check === "error-marker-after-failure")?.status).toBe("fail");
      }
    }
    // nginx with an HTTP/1.1 upstream turns the cut into RST_STREAM on h2 and a network error in the page.
    const h2 = cell("node-raise-mid-stream", "nginx", "h2");
    expect(h2.checks.find((c) => c.check === "clean-termination")).toMatchObject({ status: "fail" });
    expect(h2.checks.find((c) => c.check === "clean-termination")?.summary).toMatch(/RST_STREAM/);
    const page = cell("node-raise-mid-stream", "nginx", "browser");
    expect(page.checks.find((c) => c.check === "clean-termination")?.summary).toMatch(/network error/i);
  }, 150_000);

  it("EventSource: a page closes on the marker; a stream that just ends makes it re-send the request; POST is not applicable", async () => {
    // Relays with a GET endpoint a page can open with EventSource (GET /stream?q=...).
    await using marking = await startTinyRelay({ framing: "sse" });
    await using silent = await startTinyRelay({ framing: "sse", noMarkerOnFailure: true });
    await using posting = await startTinyRelay({ framing: "sse" });
    const backend = (name: string, relay: typeof marking, eventSource?: string) => ({
      name,
      url: relay.url,
      providerPort: relay.providerPort,
      provider: "openai" as const,
      contract: { preset: "openai-relay", path: "/chat", ...(eventSource ? { eventSource } : {}) },
    });
    const config = resolveConfig(
      {
        backends: [
          backend("marks-failure", marking, "/stream?q={message}"),
          backend("ends-silently", silent, "/stream?q={message}"),
          backend("post-only", posting),
        ],
        edges: [{ edge: "nginx", profile: "sse-tuned" }],
        clients: ["browser"],
        scenarios: ["mid-connection-fin", "happy-path"],
        lanes: 3,
      },
      "clients test",
    );
    const run = await runSuite({ config, reporters: [] });
    const check = (backend: string, scenario: string) => {
      const result = run.results.find((r) => r.backend === backend && r.scenario.id === scenario);
      if (!result) throw new Error(`no result for ${backend} ${scenario}`);
      return { result, es: result.checks.find((c) => c.check === "eventsource-no-replay")! };
    };
    // The page closes EventSource on the error marker, and on [DONE]: nothing is re-sent.
    for (const scenario of ["mid-connection-fin", "happy-path"]) {
      const { result, es } = check("marks-failure", scenario);
      expect(result.status, `${scenario}: ${JSON.stringify(result.checks)}`).toBe("pass");
      expect(es.status, es.summary).toBe("pass");
      expect(es.summary).toMatch(/request was sent once/);
    }
    // The cut stream ends without a marker: Chromium reconnects and sends the message again.
    const cut = check("ends-silently", "mid-connection-fin");
    expect(cut.result.status).toBe("fail");
    expect(cut.es.status, cut.es.summary).toBe("fail");
    expect(cut.es.summary).toMatch(/re-sent the request 1 time\(s\).*provider was called 2 time\(s\)/);
    const whole = check("ends-silently", "happy-path").result;
    expect(whole.status, `happy-path on ends-silently: ${JSON.stringify(whole.checks)}`).toBe("pass");
    // A POST-only contract: the page used fetch(), and the check says why it could not judge.
    const post = check("post-only", "mid-connection-fin");
    expect(post.result.status).toBe("pass");
    expect(post.es.status).toBe("not-applicable");
    expect(post.es.summary).toMatch(/EventSource makes only GET requests.*sends POST \/chat/);
  }, 120_000);

  it("the smoke exchange runs per client: an EventSource path that loses the message stops the run, naming the browser", async () => {
    // The relay reads `q`; this path puts the message elsewhere, so only the browser's GET loses it.
    await using relay = await startTinyRelay({ framing: "sse" });
    const config = resolveConfig(
      {
        backends: [
          {
            name: "wrong-es-path",
            url: relay.url,
            providerPort: relay.providerPort,
            provider: "openai",
            contract: { preset: "openai-relay", path: "/chat", eventSource: "/stream?text={message}" },
          },
        ],
        edges: [{ edge: "nginx", profile: "sse-tuned" }],
        clients: ["h1", "browser"],
        scenarios: ["happy-path"],
        lanes: 2,
      },
      "clients test",
    );
    const error = await runSuite({ config, reporters: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "SETUP_SMOKE_MESSAGE_NOT_FORWARDED",
      what: 'Backend "wrong-es-path" called the provider without the message of the smoke request from the browser client',
    });
  }, 60_000);
});
