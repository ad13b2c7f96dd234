/**
 * Regenerates docs/detection-matrix.md: runs every hardened reference backend and every bug switch
 * on the given edges and writes which scenarios each variant failed and which checks caught it.
 *
 *   npx tsx scripts/detection-matrix.ts [direct,nginx,caddy] [--client h2]
 *
 * `--client h2` (or browser) runs the same matrix with that client and writes
 * docs/detection-matrix-<client>.md; the h2 and browser clients reach an edge over TLS, so their
 * default edges are nginx and caddy (direct has no TLS listener).
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { bugSwitches } from "../examples/node-backend/bugs.ts";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends, hardenedBackends, pythonBackendAvailable } from "../harness/demo.ts";
import { DETECTION_MATRIX, hopsCaughtAt } from "../harness/detection-matrix.ts";
import { CLIENTS, resolveClients } from "../harness/probe/clients.ts";
import { runSuite } from "../harness/runner.ts";

/** What the tables show that a reader might miss (edge-specific behaviour, declared limitations). */
const READING_NOTES = `
## Reading it

- *Caught at* is the hop where each failing result's fault first became visible on the wire (A:
  probe → edge, B: edge → backend, C: backend → provider; the provider's own faults are the
  scenario's, so C is never named), counted over the variant's failing results. *No hop broke*: every
  hop's framing and done signal were whole, and the fault is in what the bytes said (a 200 where an
  error status was due, a false error marker, a missing keepalive).

- Behind nginx's \`default\` profile (HTTP/1.0 to the upstream) and behind Debian's Caddy 2.6.2, a backend
  that crashes mid-stream (\`node-raise-mid-stream\`) passes \`clean-termination\`: the proxy turns the cut
  into a clean \`0\\r\\n\\r\\n\`. Only the contract's error marker (\`error-marker-after-failure\`) shows the
  answer was truncated. Direct, the same bug also fails \`clean-termination\`.
- Buffering bugs (\`node-no-anti-buffering-headers\`, \`fastapi-naive\`) also fail \`incremental-delivery\`
  behind nginx, which buffers an upstream that does not send \`X-Accel-Buffering: no\`.
- A missing keepalive (\`node-no-keepalive\`) is caught directly by the silence the client sees, and behind
  a proxy with a short read timeout by the stream the proxy cuts (\`edge-stall-beyond-proxy-timeout\`).
- \`fastapi-hardened\` on nginx: a \`text/plain\` stream has no keepalive form, so a provider stall longer
  than the proxy's read timeout cuts it whatever the backend does. It is declared as an expected failure
  (\`expectFailures: ["edge-stall-beyond-proxy-timeout@nginx"]\`); the fix is the proxy's timeout.
- \`mid-stall-silent\` is not applicable on the FastAPI backends: the \`text-marker\` contract declares no
  keepalives (a \`text/plain\` stream has no keepalive form). Its stall is sized from the backend's
  \`keepaliveMs\` (4 intervals, 1700 ms for the Node backends' 400 ms), so \`node-no-keepalive\` shows a
  silence the declared interval does not allow. Behind a proxy with a short read timeout, a stream the
  proxy cut counts as silence up to the stall's end, so the keepalive check fails there too (it used to
  see only the gaps between reads).
- Client disconnects on a \`text/plain\` stream leave after 4 reads (they used to count SSE events and
  never left), so the FastAPI backends are judged on \`disconnect-mid-stream\`: both cancel their
  provider call.
- \`fastapi-naive\` behind nginx: without \`X-Accel-Buffering: no\`, nginx's \`default\` profile buffers
  the whole answer, so the client never sees 4 reads before the end and a cut on hop A lands after the
  provider has finished: whether the backend cancels cannot be seen, and \`disconnect-mid-stream\`,
  \`net-limit-client-hop\` and \`net-reset-client-hop\` are inconclusive (they used to pass, judging
  nothing). The buffering itself is caught by \`incremental-delivery\` and \`anti-buffering-headers\`.
- \`node-stream-options-always\`: the provider refuses the request, so the error marker the backend then
  sends is true, not false; \`no-rejected-parameter\` and \`semantic-completion\` catch it.
`;

const { values, positionals } = parseArgs({
  options: { client: { type: "string" } },
  allowPositionals: true,
});
const clients = resolveClients(values.client);
if (clients.length !== 1) {
  console.error(`--client takes one client per page (got ${clients.join(", ")})`);
  process.exit(2);
}
const client = clients[0]!;
const edges = (positionals[0] ?? (client === "h1" ? "direct" : "nginx,caddy")).split(",");
const python = pythonBackendAvailable();
const config = resolveConfig(
  {
    backends: [...hardenedBackends({ python }), ...bugBackends(DETECTION_MATRIX, { python })],
    edges,
    clients: [client],
    lanes: 2,
  },
  "detection matrix",
);
const run = await runSuite({ config, reporters: [] });

const lines = [
  client === "h1" ? "# Detection matrix" : `# Detection matrix, ${client} client`,
  "",
  ...(client === "h1"
    ? []
    : [
        `The same matrix as docs/detection-matrix.md, with the ${client} client (${CLIENTS[client].description})`,
        "instead of the HTTP/1.1 probe; docs/clients.md explains where the two differ.",
        "",
      ]),
  "The proof that streamchaos catches what it claims. Every scenario of the catalog runs against the",
  "hardened reference backends (all must pass) and against each bug switch of the reference backends",
  "(each must fail exactly the scenarios listed, for the checks listed). Results that gave no verdict",
  "are listed apart under *not judged*, never counted as passing: *not applicable* (the backend's",
  "contract lacks a capability the scenario needs; it did not run) and *inconclusive* (it ran, but none",
  "of the checks that decide it could apply). `tests/catalog.int.test.ts`",
  "asserts the direct-edge table on every CI run (`harness/detection-matrix.ts`); this page is",
  `regenerated with \`npx tsx scripts/detection-matrix.ts ${client === "h1" ? "direct,nginx,caddy" : `nginx,caddy --client ${client}`}\`.`,
  "",
  `Run: ${new Date(run.startedAt).toISOString()}, ${run.results.length} scenario runs, ${(run.durationMs / 1000).toFixed(0)} s, Node ${process.version}.`,
];
for (const edge of edges) {
  lines.push(
    "",
    `## ${edge}`,
    "",
    "| backend | incident it reintroduces | scenarios failed | checks that caught it | caught at | not judged |",
    "|---|---|---|---|---|---|",
  );
  for (const backend of config.backends) {
    const results = run.results.filter((r) => r.backend === backend.name && r.edge === edge);
    const failed = results.filter((r) => r.status === "fail" || r.status === "error");
    const scenarios = [
      ...new Set(
        failed.map(
          (r) =>
            `${r.scenario.id}${r.expected === "fail" && !backend.name.includes("naive") && !DETECTION_MATRIX[backend.name] ? " (expected)" : ""}`,
        ),
      ),
    ].sort();
    const checks = [
      ...new Set(failed.flatMap((r) => r.checks.filter((c) => c.status === "fail").map((c) => c.check))),
    ].sort();
    // Results that are no verdict, each with its status: never counted as passing or failing.
    const unjudged = results
      .filter((r) => r.status !== "pass" && r.status !== "fail" && r.status !== "error")
      .map((r) => `\`${r.scenario.id}\` (${r.status.replace("-", " ")})`)
      .sort();
    const bug = backend.name.replace(/^node-/, "") as keyof typeof bugSwitches;
    const incident =
      backend.name === "fastapi-naive"
        ? "000 (all four issues: the code before its fixes)"
        : (bugSwitches[bug]?.incident ?? "— (hardened)");
    const passed = results.filter((r) => r.status === "pass").length;
    const cell = scenarios.length
      ? scenarios.map((id) => `\`${id}\``).join(", ")
      : `none (${passed}/${results.length} pass)`;
    lines.push(
      `| \`${backend.name}\` | ${incident} | ${cell} | ${checks.join(", ") || "—"} | ${hopsCaughtAt(failed) || "—"} | ${unjudged.join(", ") || "—"} |`,
    );
  }
}
lines.push(READING_NOTES);
const page = client === "h1" ? "detection-matrix.md" : `detection-matrix-${client}.md`;
await writeFile(new URL(`../docs/${page}`, import.meta.url), lines.join("\n"));
console.log(lines.join("\n"));
