import type { H2StreamEnd, ProbeEndKind, ProbeObservation } from "../observation.ts";

/**
 * What each client saw through the real edges when the upstream ended cleanly, was cut (FIN) or was
 * reset (RST) after two events, as measured on nginx 1.22.1, Caddy 2.6.2 and Chromium 156 (Debian
 * bookworm). clients-through-edges.int.test.ts asserts every row; docs/clients.md publishes the
 * table `findingsTable()` renders from it, and the test checks the page still says the same.
 */
export type UpstreamEnd = "clean" | "cut" | "reset";

export interface EdgeFinding {
  edge: "nginx" | "caddy";
  profiles: string[];
  upstream: UpstreamEnd;
  h1: { kind: ProbeEndKind; terminator: boolean; events: number };
  h2: { kind: ProbeEndKind; how: H2StreamEnd["how"]; code?: string; events: number };
  /** Chromium's fetch() and body reader; `errors` are the accepted `Name: message` the page caught. */
  fetch: { kind: ProbeEndKind; errors?: string[]; events: number };
  /** Judged on framing and the `[DONE]` done signal together: the same on all three clients. */
  verdict: "pass" | "broken";
}

/** The upstream stream in each case: four events and `[DONE]`, or cut/reset after two events. */
export const UPSTREAM_QUERY: Record<UpstreamEnd, string> = {
  clean: "events=4&interval=100&done=1",
  cut: "events=4&interval=100&done=1&crashAfter=2",
  reset: "events=4&interval=100&done=1&resetAfter=2",
};

const NGINX_STREAMING = ["sse-tuned", "http11-buffered"];
const CADDY = ["default", "sse-tuned"];
const CLEAN_H1 = { kind: "clean", terminator: true, events: 5 } as const;
const CLEAN_H2 = { kind: "clean", how: "end-stream", events: 5 } as const;
const CLEAN_FETCH = { kind: "clean", events: 5 } as const;

export const EDGE_FINDINGS: EdgeFinding[] = [
  ...[
    { edge: "nginx" as const, profiles: ["default", ...NGINX_STREAMING] },
    { edge: "caddy" as const, profiles: CADDY },
  ].map(
    ({ edge, profiles }): EdgeFinding => ({
      edge,
      profiles,
      upstream: "clean",
      h1: CLEAN_H1,
      h2: CLEAN_H2,
      fetch: CLEAN_FETCH,
      verdict: "pass",
    }),
  ),
  {
    // The HTTP/1.0 trap (wire-formats.md B1): a close-delimited upstream body, so a FIN is its end.
    edge: "nginx",
    profiles: ["default"],
    upstream: "cut",
    h1: { kind: "clean", terminator: true, events: 2 },
    h2: { kind: "clean", how: "end-stream", events: 2 },
    fetch: { kind: "clean", events: 2 },
    verdict: "broken",
  },
  {
    // Buffered events are dropped on the upstream's error; headers and the reset leave together.
    edge: "nginx",
    profiles: ["default"],
    upstream: "reset",
    h1: { kind: "fin-mid-body", terminator: false, events: 0 },
    h2: { kind: "rst", how: "rst-stream", code: "INTERNAL_ERROR", events: 0 },
    fetch: {
      kind: "network-error",
      errors: ["TypeError: Failed to fetch", "TypeError: network error"],
      events: 0,
    },
    verdict: "broken",
  },
  ...(["cut", "reset"] as const).map(
    (upstream): EdgeFinding => ({
      edge: "nginx",
      profiles: NGINX_STREAMING,
      upstream,
      h1: { kind: "fin-mid-body", terminator: false, events: 2 },
      h2: { kind: "rst", how: "rst-stream", code: "INTERNAL_ERROR", events: 2 },
      fetch: { kind: "network-error", errors: ["TypeError: network error"], events: 2 },
      verdict: "broken",
    }),
  ),
  ...(["cut", "reset"] as const).map(
    (upstream): EdgeFinding => ({
      // Caddy before 2.7.6 returns normally after "aborting with incomplete response" (caddy README).
      edge: "caddy",
      profiles: CADDY,
      upstream,
      h1: { kind: "clean", terminator: true, events: 2 },
      h2: { kind: "clean", how: "end-stream", events: 2 },
      fetch: { kind: "clean", events: 2 },
      verdict: "broken",
    }),
  ),
];

/** Framing and the done signal, as clean-termination and semantic-completion judge them. */
export function judged(observation: ProbeObservation): "pass" | "broken" {
  const framed = observation.end.kind === "clean" && observation.complete;
  const done = observation.sse.events.at(-1)?.data === "[DONE]";
  return framed && done ? "pass" : "broken";
}

const UPSTREAM_TEXT: Record<UpstreamEnd, string> = {
  clean: "ends cleanly",
  cut: "cut (FIN) after 2 events",
  reset: "reset (RST) after 2 events",
};

function h1Text(f: EdgeFinding): string {
  if (f.h1.kind === "clean") return `\`0\\r\\n\\r\\n\`, ${f.h1.events} events`;
  return `FIN without \`0\\r\\n\\r\\n\`, ${f.h1.events} events`;
}

function h2Text(f: EdgeFinding): string {
  if (f.h2.how === "end-stream") return `END_STREAM, ${f.h2.events} events`;
  return `RST_STREAM(${f.h2.code}), ${f.h2.events} events`;
}

function fetchText(f: EdgeFinding): string {
  if (f.fetch.kind === "clean") return `done, ${f.fetch.events} events`;
  return `${f.fetch.errors!.map((e) => `\`${e}\``).join(" or ")}, ${f.fetch.events} events`;
}

function verdictText(f: EdgeFinding): string {
  if (f.verdict === "pass") return "pass on all three";
  if (f.h1.kind === "clean") return "broken on all three, by the missing `[DONE]` only";
  return "broken on all three";
}

/** The findings as a Markdown table (docs/clients.md carries it verbatim). */
export function findingsTable(): string {
  const rows = EDGE_FINDINGS.map((f) =>
    [
      `${f.edge} ${f.profiles.join(", ")}`,
      UPSTREAM_TEXT[f.upstream],
      h1Text(f),
      h2Text(f),
      fetchText(f),
      verdictText(f),
    ].join(" | "),
  );
  return [
    "| edge, profiles | upstream | h1 probe | h2 probe | Chromium fetch() reader | verdict |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
  ].join("\n");
}
