/**
 * How long each reporter takes on a large run and how big its output is:
 * `npx tsx reports/bench/render.bench.ts [results] [eventsPerResult]` (defaults 500 and 200).
 */
import { renderConsoleSummary } from "../console.ts";
import { renderHtml } from "../html.ts";
import { renderJson } from "../json.ts";
import { renderJunit } from "../junit.ts";
import { renderMarkdown } from "../markdown.ts";
import { failing, passing, run, T0 } from "../testing/fixtures.ts";

const count = Number(process.argv[2] ?? 500);
const events = Number(process.argv[3] ?? 200);
const results = Array.from({ length: count }, (_, i) => {
  const make = i % 5 === 0 ? failing : passing;
  const timeline = Array.from({ length: events }, (_, e) => ({
    t: T0 + e * 5,
    source: ["probe", "edge", "backend", "fake", "toxiproxy"][e % 5] ?? "probe",
    kind: e % 17 === 0 ? "fault" : "chunk",
    detail: `data: {"choices":[{"delta":{"content":"token ${e}"}}]}\r\n\r\n`,
  }));
  return make(`scenario-${Math.floor(i / 10)}`, {
    backend: `backend-${i % 5}`,
    edge: ["direct", "nginx"][i % 2] ?? "direct",
    timeline,
  });
});
const big = run(results);
const previous = run(results.map((r, i) => (i % 7 === 0 ? { ...r, status: "pass" as const } : r)));

const renderers: [string, () => string][] = [
  ["console", () => renderConsoleSummary(big, { columns: 120, color: false, unicode: true, previous })],
  ["json", () => renderJson(big)],
  ["junit", () => renderJunit(big)],
  ["markdown", () => renderMarkdown(big, { previous })],
  ["html", () => renderHtml(big, { previous })],
];
console.log(`${count} results x ${events} timeline events`);
for (const [name, render] of renderers) {
  render();
  const start = performance.now();
  const text = render();
  const ms = performance.now() - start;
  console.log(
    `${name.padEnd(9)} ${ms.toFixed(1).padStart(8)} ms  ${(text.length / 1024).toFixed(0).padStart(7)} KiB`,
  );
}
