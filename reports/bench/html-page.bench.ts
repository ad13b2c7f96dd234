/**
 * How heavy report.html is in a browser: `npx tsx reports/bench/html-page.bench.ts [results.json]`
 * (default: a synthetic 500-result run with hops and long timelines). Writes the report set with the
 * html reporter into a temp folder, then opens it from file:// in headless Chromium a few times and
 * prints the bytes the page parses up front, the whole set, and median times: to DOMContentLoaded
 * (the search and filters answer from then on), to the load event, and to open one result that is
 * not in the page yet (its evidence is read then). Figures, not assertions: run it on a quiet machine.
 */
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { DEFAULT_CHROMIUM } from "../../harness/probe/browser/chromium.ts";
import type { ScenarioResult } from "../../harness/results.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { createHtmlReporter } from "../html.ts";
import { readRunResult } from "../load.ts";
import { failing, passing, run, T0 } from "../testing/fixtures.ts";

const ROUNDS = 5;

function synthetic() {
  const results: ScenarioResult[] = [];
  for (let i = 0; i < 500; i++) {
    const edge = ["direct", "nginx", "caddy"][i % 3] ?? "direct";
    const timeline = Array.from({ length: 150 }, (_, k) => ({
      t: T0 + 30 + k * 4,
      source: k % 2 ? "probe" : "edge",
      kind: "chunk",
      detail: `data: {"choices":[{"delta":{"content":"token ${k}"}}]}\r\n\r\n`,
    }));
    const id = `scenario-${String(Math.floor(i / 3)).padStart(3, "0")}`;
    results.push(
      i % 25 === 1
        ? failing(id, { edge })
        : passing(id, { edge, timeline: [...passing(id).timeline, ...timeline] }),
    );
  }
  return run(results);
}

async function sizeOf(path: string): Promise<{ bytes: number; files: number }> {
  const info = await stat(path);
  if (!info.isDirectory()) return { bytes: info.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(path)) {
    const inner = await sizeOf(join(path, entry));
    bytes += inner.bytes;
    files += inner.files;
  }
  return { bytes, files };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

const source = process.argv[2];
const theRun = source ? await readRunResult(source, "run to measure") : synthetic();
await using dir = await makeTempDir("html-page-bench");
const started = performance.now();
await createHtmlReporter().onFinish(theRun, { outDir: dir.path });
const renderMs = performance.now() - started;
const page = await sizeOf(join(dir.path, "report.html"));
const set = await sizeOf(dir.path);
console.log(`${theRun.results.length} results (${theRun.summary.failed + theRun.summary.errored} failing)`);
console.log(`render + write     ${renderMs.toFixed(0)} ms`);
console.log(`report.html        ${kib(page.bytes)}`);
console.log(`whole set          ${kib(set.bytes)} in ${set.files} files`);

const browser = await chromium.launch({
  executablePath: process.env.STREAMCHAOS_CHROMIUM || DEFAULT_CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const dcl: number[] = [];
  const load: number[] = [];
  const open: number[] = [];
  let nodes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await tab.goto(`file://${join(dir.path, "report.html")}`, { waitUntil: "load" });
    // Strings, not functions: this project's TypeScript has no DOM library.
    const [d, l] = await tab.evaluate<[number, number]>(
      `(() => { const n = performance.getEntriesByType("navigation")[0]; return [n.domContentLoadedEventEnd, n.loadEventEnd]; })()`,
    );
    dcl.push(d);
    load.push(l);
    nodes = await tab.evaluate<number>('document.querySelectorAll("*").length');
    // The last closed result: the one whose evidence is furthest from the start of the page.
    const closed = tab.locator("details.result:not([open])");
    if ((await closed.count()) > 0) {
      await tab.locator("#failures-only").uncheck();
      const id = await closed.last().getAttribute("id");
      const target = tab.locator(`[id="${id}"]`);
      await target.scrollIntoViewIfNeeded();
      const t0 = performance.now();
      await target.locator("summary").click();
      await target.locator("svg.timeline, .no-timeline").first().waitFor();
      open.push(performance.now() - t0);
    }
    await tab.close();
  }
  console.log(`elements at load   ${nodes}`);
  console.log(`DOMContentLoaded   ${median(dcl).toFixed(0)} ms (median of ${ROUNDS})`);
  console.log(`load event         ${median(load).toFixed(0)} ms`);
  if (open.length) console.log(`open last result   ${median(open).toFixed(0)} ms (click to timeline drawn)`);
  if (process.env.BENCH_SCREENSHOT) {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await tab.goto(`file://${join(dir.path, "report.html")}`);
    await writeFile(process.env.BENCH_SCREENSHOT, await tab.screenshot());
    await tab.close();
  }
} finally {
  await browser.close();
}
