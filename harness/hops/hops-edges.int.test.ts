import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now } from "../../lib/clock.ts";
import { caddyEdge } from "../../proxies/caddy/caddy-edge.ts";
import type { EdgeDefinition } from "../../proxies/edge.ts";
import { nginxEdge } from "../../proxies/nginx/nginx-edge.ts";
import { caddyHidesUpstreamAbort } from "../../proxies/testing/caddy-versions.ts";
import { rawGet } from "../../proxies/testing/raw-get.ts";
import { type SseUpstream, startSseUpstream } from "../../proxies/testing/sse-upstream.ts";
import {
  type StartedToxiproxyServer,
  startToxiproxyServer,
  type TapConnection,
  ToxiproxyHops,
} from "../../proxies/toxiproxy/index.ts";
import { attributeHops } from "./attribute.ts";
import type { HopSummary } from "./hop-types.ts";
import { markerJudge } from "./judges.ts";
import { summarizeHop } from "./summarize-hop.ts";

/**
 * The analysis against real edges (reference/wire-formats.md B1, B2): probe →[A]→ edge →[B]→ a Node
 * upstream that sends 6 SSE events 300 ms apart, or destroys its socket after 2.
 */
const EVENTS = 6;
/** The upstream's last event: its stream has no other done signal. */
const judge = markerJudge({ done: new RegExp(`^id: ${EVENTS - 1}$`, "m") });
const nginx = await nginxEdge.available();
const caddy = await caddyEdge.available();

let toxiproxy: StartedToxiproxyServer;
/** Taps off: it stands in for a real Toxiproxy, beside which the hops record through relays. */
let plainToxiproxy: StartedToxiproxyServer;
let upstream: SseUpstream;
beforeAll(async () => {
  toxiproxy = await startToxiproxyServer({ port: 0, taps: true });
  plainToxiproxy = await startToxiproxyServer({ port: 0 });
  upstream = await startSseUpstream();
});
afterAll(async () => {
  await upstream?.[Symbol.asyncDispose]();
  await plainToxiproxy?.[Symbol.asyncDispose]();
  await toxiproxy?.[Symbol.asyncDispose]();
});

let run = 0;

/** One request through both hops; returns the hops' summaries, client first, once every side ended. */
async function through(
  edge: EdgeDefinition,
  profile: string,
  path: string,
  server = toxiproxy,
): Promise<HopSummary[]> {
  run += 1;
  await using hops = new ToxiproxyHops(server.url, { taps: true });
  const hopB = await hops.createHop({ name: `hopB-${run}`, upstream: `${upstream.host}:${upstream.port}` });
  await using started = await edge.start({ upstream: { host: hopB.host, port: hopB.port }, profile });
  const hopA = await hops.createHop({ name: `hopA-${run}`, upstream: `${started.host}:${started.port}` });
  const origin = now();
  await rawGet(`http://${hopA.host}:${hopA.port}`, path);
  const settled = async (hop: string): Promise<TapConnection[]> => {
    const deadline = now() + 10_000;
    for (;;) {
      const taps = await hops.taps(hop);
      if (
        taps.length > 0 &&
        taps.every((t) => t.client.end.kind !== "open" && t.upstream.end.kind !== "open")
      )
        return taps;
      if (now() > deadline)
        throw new Error(`${hop} did not settle: ${JSON.stringify(taps.map((t) => t.client.end))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const [a, b] = [await settled(hopA.name), await settled(hopB.name)];
  return [
    summarizeHop({ name: "A", from: "probe", to: edge.name, connections: a, judge }, { origin }),
    summarizeHop({ name: "B", from: edge.name, to: "backend", connections: b, judge }, { origin }),
  ];
}

const crash = `/sse?events=${EVENTS}&interval=300&crashAfter=2`;
const whole = `/sse?events=${EVENTS}&interval=300`;

describe.skipIf(!nginx.ok)("hop analysis through nginx", () => {
  it("default profile (HTTP/1.0 upstream): the backend's cut ends a close-delimited body, nginx sends 0\\r\\n\\r\\n", async () => {
    const [a, b] = await through(nginxEdge, "default", crash);
    expect(b!.framing).toMatchObject({
      outcome: "closed",
      framing: "close-delimited",
      semantic: "incomplete",
    });
    expect(b!.end.upstream).toMatchObject({ kind: "fin", by: "peer" });
    expect(a!.framing).toMatchObject({ outcome: "complete", framing: "chunked", semantic: "incomplete" });
    const attribution = attributeHops([a!, b!]);
    expect(attribution.origin).toBe("B");
    expect(attribution.text).toBe(
      "hop B: the backend ended a close-delimited body with FIN (at this hop a cut looks like an end), and its stream lacks its done signal; " +
        "hop A: nginx sent `0\\r\\n\\r\\n`: the framing hides the cut, only the missing done signal shows it",
    );
  });

  it("sse-tuned (HTTP/1.1 upstream): the cut reaches hop B as chunked without a terminator, and nginx passes it on", async () => {
    const [a, b] = await through(nginxEdge, "sse-tuned", crash);
    expect(b!.framing).toMatchObject({ outcome: "cut-between-chunks", framing: "chunked", chunks: 2 });
    expect(a!.framing.outcome).toBe("cut-between-chunks");
    const attribution = attributeHops([a!, b!]);
    expect(attribution.origin).toBe("B");
    expect(attribution.story.map((s) => s.line)).toEqual([
      "the backend closed between chunks after 2, no terminating chunk, and its stream lacks its done signal",
      expect.stringMatching(/^nginx passed it on: it closed between chunks after \d+, no terminating chunk/),
    ]);
  });

  it("beside a Toxiproxy that records nothing, the relays' records give the same verdict", async () => {
    const [a, b] = await through(nginxEdge, "sse-tuned", crash, plainToxiproxy);
    expect([a!.tap, b!.tap]).toEqual(["relay", "relay"]);
    expect(b!.framing).toMatchObject({ outcome: "cut-between-chunks", chunks: 2 });
    expect(attributeHops([a!, b!]).origin).toBe("B");
  });

  it("buffering per hop: the default profile holds the first event until the upstream's end, sse-tuned does not", async () => {
    const held = (hops: HopSummary[]) => attributeHops(hops).holdings.find((h) => h.where === "nginx")!;
    const buffered = held(await through(nginxEdge, "default", whole));
    expect(buffered.firstBodyByteMs).toBeGreaterThan(1000);
    expect(buffered.line).toMatch(/^nginx held it \d\.\d s$/);
    const streamed = held(await through(nginxEdge, "sse-tuned", whole));
    expect(streamed.firstBodyByteMs).toBeLessThan(300);
    expect(attributeHops(await through(nginxEdge, "sse-tuned", whole)).origin).toBeUndefined();
  });
});

describe.skipIf(!caddy.ok)("hop analysis through Caddy", () => {
  it("the backend's cut is named at hop B; what Caddy did with it depends on its version", async () => {
    const [a, b] = await through(caddyEdge, "default", crash);
    expect(b!.framing).toMatchObject({ outcome: "cut-between-chunks", chunks: 2 });
    const attribution = attributeHops([a!, b!]);
    expect(attribution.origin).toBe("B");
    const hides = caddyHidesUpstreamAbort(caddy.ok ? caddy.version : "0");
    expect(attribution.story[1]!.line).toMatch(
      hides
        ? /^caddy sent `0\\r\\n\\r\\n`: the framing hides the cut/
        : /^caddy passed it on: it closed (between|mid)/,
    );
  });
});
