import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyEdge } from "../../proxies/caddy/caddy-edge.ts";
import type { EdgeDefinition, StartedEdge } from "../../proxies/edge.ts";
import { nginxEdge } from "../../proxies/nginx/nginx-edge.ts";
import { useRunCa } from "../../proxies/testing/run-ca-fixture.ts";
import { type SseUpstream, startSseUpstream } from "../../proxies/testing/sse-upstream.ts";
import type { RunCa } from "../../runtime/tls/run-ca.ts";
import { chromiumAvailable, launchBrowserClient, type StartedBrowser } from "./browser/chromium.ts";
import type { ProbeObservation } from "./observation.ts";
import { runH2Probe } from "./run-h2-probe.ts";
import { runProbe } from "./run-probe.ts";
import {
  EDGE_FINDINGS,
  type EdgeFinding,
  findingsTable,
  judged,
  UPSTREAM_QUERY,
} from "./testing/edge-findings.ts";

/**
 * The measured behaviour of docs/clients.md, asserted: the same upstream through the same edge, seen
 * by the h1 probe, the h2 probe and Chromium's fetch() reader, and what EventSource does after.
 * Versions are pinned by Debian bookworm; another nginx or Caddy skips its rows with the reason.
 */
const MEASURED = { nginx: /^1\.22\./, caddy: /^2\.6\./ };
const definitions: Record<EdgeFinding["edge"], EdgeDefinition> = { nginx: nginxEdge, caddy: caddyEdge };
const chromium = await chromiumAvailable();
const skipped: Record<string, string> = {};
for (const [name, definition] of Object.entries(definitions)) {
  const available = await definition.available();
  if (!available.ok) skipped[name] = `${available.reason} (${available.install})`;
  else if (!MEASURED[name as EdgeFinding["edge"]].test(available.version))
    skipped[name] = `${name} ${available.version} is not the measured version`;
}
if (!chromium.ok) console.warn(`skipping clients through edges: ${chromium.reason} (${chromium.install})`);
for (const [name, why] of Object.entries(skipped)) console.warn(`skipping ${name} findings: ${why}`);

describe("docs/clients.md", () => {
  it("publishes the table these tests assert", async () => {
    const page = await readFile(new URL("../../docs/clients.md", import.meta.url), "utf8");
    expect(page).toContain(findingsTable());
  });
});

describe.skipIf(!chromium.ok)("h1, h2 and browser clients through real edges", () => {
  const run = useRunCa();
  let ca: RunCa;
  let browser: StartedBrowser;
  let upstream: SseUpstream;
  beforeAll(async () => {
    ca = run.ca();
    upstream = await startSseUpstream();
    const launch = await launchBrowserClient({ trustSpki: [ca.leafSpkiSha256] });
    if (!launch.ok) throw new Error(launch.skip.reason);
    browser = launch.browser;
  });
  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    await upstream?.[Symbol.asyncDispose]();
  });

  const startEdge = (edge: EdgeFinding["edge"], profile: string) =>
    definitions[edge].start({ upstream, profile, tls: run.tls() });

  async function allClients(edge: StartedEdge, query: string) {
    const h1 = await runProbe({ url: `${edge.url}/sse?${query}`, timeoutMs: 10_000 });
    const h2 = await runH2Probe({
      url: `${edge.tls!.url}/sse?${query}`,
      ca: ca.caCertPem,
      timeoutMs: 10_000,
    });
    const page = await browser.request({ url: `${edge.tls!.url}/sse?${query}`, timeoutMs: 10_000 });
    return { h1, h2, page };
  }

  const data = (o: ProbeObservation) => o.sse.events.map((e) => e.data);

  for (const finding of EDGE_FINDINGS) {
    for (const profile of finding.profiles) {
      it.skipIf(skipped[finding.edge] !== undefined)(
        `${finding.edge} ${profile}: upstream ${finding.upstream} is ${finding.verdict} on h1, h2 and browser`,
        async () => {
          await using edge = await startEdge(finding.edge, profile);
          const { h1, h2, page } = await allClients(edge, UPSTREAM_QUERY[finding.upstream]);

          expect({ kind: h1.end.kind, terminator: h1.terminatorSeen, events: h1.sse.events.length }).toEqual(
            finding.h1,
          );
          expect(h2.h2!.alpn).toBe("h2");
          expect({
            kind: h2.end.kind,
            how: h2.end.h2!.how,
            events: h2.sse.events.length,
            ...(h2.end.h2!.codeName ? { code: h2.end.h2!.codeName } : {}),
          }).toEqual(finding.h2);
          expect(page.browser!.nextHopProtocol).toBe("h2");
          expect({ kind: page.end.kind, events: page.sse.events.length }).toEqual({
            kind: finding.fetch.kind,
            events: finding.fetch.events,
          });
          if (finding.fetch.errors) {
            const caught = page.browser!.error!;
            expect(finding.fetch.errors).toContain(`${caught.name}: ${caught.message}`);
          } else {
            expect(page.browser!.error).toBeUndefined();
          }
          // What reached the user is what reached the probes, and every client gets the same verdict.
          expect(data(page)).toEqual(data(h2));
          expect(data(h2)).toEqual(data(h1));
          expect([judged(h1), judged(h2), judged(page)]).toEqual(Array(3).fill(finding.verdict));
        },
      );
    }
  }

  for (const edgeName of ["nginx", "caddy"] as const) {
    it.skipIf(skipped[edgeName] !== undefined)(
      `${edgeName}: EventSource re-sends the request after every end unless the page closes it on [DONE]`,
      async () => {
        await using edge = await startEdge(edgeName, edgeName === "nginx" ? "sse-tuned" : "default");
        // retry: 200 keeps it quick; with none, Chromium waited its default ~3 s before reconnecting.
        for (const upstreamEnd of ["clean", "cut"] as const) {
          const before = upstream.requests.length;
          const url = `${edge.tls!.url}/sse?${UPSTREAM_QUERY[upstreamEnd]}&retry=200`;
          const obs = await browser.request({ url, api: "eventsource", timeoutMs: 15_000 });
          expect(obs.browser!.eventSource).toMatchObject({ reconnects: 1, closedBecause: "reconnected" });
          expect(upstream.requests.length - before).toBe(2);
          expect(upstream.requests.at(-1)!.headers["last-event-id"]).toBe(
            upstreamEnd === "clean" ? "3" : "1",
          );
        }
        const before = upstream.requests.length;
        const closing = await browser.request({
          url: `${edge.tls!.url}/sse?${UPSTREAM_QUERY.clean}&retry=200`,
          api: "eventsource",
          eventSource: { closeOnData: "[DONE]", reconnectWindowMs: 1_000 },
        });
        expect(closing.browser!.eventSource).toMatchObject({ reconnects: 0, closedBecause: "done-signal" });
        expect(upstream.requests.length - before).toBe(1);
      },
    );
  }
});
