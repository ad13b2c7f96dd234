/**
 * Prints first-chunk delay per edge and profile (the environment.md table, re-measured here):
 *   npx tsx bench/measure-edges.ts
 * Upstream: small SSE events every 500 ms, ending at ~2 s, as in environment.md.
 */
import { edges } from "../proxies/edges.ts";
import { rawGet } from "../proxies/testing/raw-get.ts";
import { startSseUpstream } from "../proxies/testing/sse-upstream.ts";

const cases = [
  { label: "text/event-stream, chunked", path: "/sse?events=5&interval=500" },
  { label: "text/plain + Content-Length", path: "/sse?events=5&interval=500&type=text/plain&length=1" },
  { label: "upstream crash after 2 events", path: "/sse?events=5&interval=500&crashAfter=2" },
];

await using upstream = await startSseUpstream();
console.log(
  "edge     profile          case                            start  first-chunk   end     terminator",
);
for (const [name, edge] of Object.entries(edges)) {
  const availability = await edge.available();
  if (!availability.ok) {
    console.log(`${name}: skipped (${availability.reason}; ${availability.install})`);
    continue;
  }
  for (const profile of Object.keys(edge.profiles)) {
    const t0 = performance.now();
    await using started = await edge.start({ upstream, profile });
    const startMs = performance.now() - t0;
    for (const c of cases) {
      const r = await rawGet(started.url, c.path);
      const first = (r.firstBodyAt ?? Number.NaN) - r.sentAt;
      console.log(
        `${name.padEnd(8)} ${profile.padEnd(16)} ${c.label.padEnd(31)} ${startMs.toFixed(0).padStart(4)}ms ${first
          .toFixed(0)
          .padStart(
            7,
          )}ms ${(r.endAt - r.sentAt).toFixed(0).padStart(6)}ms  ${r.chunked ? (r.terminatorSeen ? "0\\r\\n\\r\\n" : "CUT") : "n/a (length/close)"}`,
      );
    }
  }
}
