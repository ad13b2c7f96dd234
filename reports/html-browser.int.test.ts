import { rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_CHROMIUM } from "../harness/probe/browser/chromium.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { makeTempDir, type TempDir } from "../lib/tempdir.ts";
import { createHtmlReporter } from "./html.ts";
import { EVIDENCE_DIR } from "./internal/evidence-files.ts";
import { failingWithHops, failingWithStackHops, passing, run, T0 } from "./testing/fixtures.ts";

/**
 * report.html as people see it, in headless Chromium, opened from file:// as an unzipped CI
 * artifact is: 500 results stay light (report.html carries the failures; every other result's
 * body is read from report-files/ when it is opened), the failures-only filter and the search
 * work, and the layout holds: in every drawn timeline no two labels overlap, none overlaps a
 * mark, each stays inside the plot, and nothing runs past the page's width. Screenshots of the
 * top of the page and of one timeline are kept beside the report.
 */

let dir: TempDir;
let browser: Browser;
const FAILING = 20;
const TOTAL = 500;

function bigRun() {
  const results: ScenarioResult[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const edge = ["direct", "nginx", "caddy", "nginx"][i % 4]!;
    const profile = i % 4 === 3 ? "sse-tuned" : "default";
    const id = `scenario-${String(Math.floor(i / 4)).padStart(3, "0")}`;
    const timeline = Array.from({ length: 60 }, (_, k) => ({
      t: T0 + k * 20,
      source: k % 3 ? "probe" : "edge",
      kind: "chunk",
      detail: `data: {"n":${k}}\r\n\r\n`,
    }));
    results.push(
      i % (TOTAL / FAILING) === 1
        ? // Every other failure with a stack's service links: lanes the layout must fit too.
          { ...(i % 2 ? failingWithHops(id) : failingWithStackHops(id)), edge, profile }
        : passing(id, { edge, profile, timeline: [...passing(id).timeline, ...timeline] }),
    );
  }
  return run(results);
}

beforeAll(async () => {
  dir = await makeTempDir("html-browser");
  browser = await chromium.launch({
    executablePath: DEFAULT_CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});
afterAll(async () => {
  await browser?.close();
  await dir?.[Symbol.asyncDispose]();
});

/**
 * Every timeline drawn in the page, checked in SVG units as Chromium laid it out: labels against
 * labels and marks, labels and ticks against the plot and the viewBox, the SVG against its result.
 */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
  for (const svg of document.querySelectorAll("svg.timeline")) {
    const id = svg.closest("details").id;
    const view = svg.viewBox.baseVal;
    const plot = svg.querySelector("rect.lane").getBBox();
    const labels = [...svg.querySelectorAll("text.mark-label")].map((t) => ({ t, box: t.getBBox() }));
    const marks = [...svg.querySelectorAll("g > circle, g > rect")].map((m) => m.getBBox());
    for (const [i, a] of labels.entries()) {
      if (a.box.x < plot.x - 0.5 || a.box.x + a.box.width > plot.x + plot.width + 0.5)
        problems.push(id + ": label outside the plot: " + a.t.textContent);
      for (const b of labels.slice(i + 1))
        if (overlap(a.box, b.box)) problems.push(id + ": labels overlap: " + a.t.textContent + " / " + b.t.textContent);
      for (const m of marks)
        if (overlap(a.box, m)) problems.push(id + ": label over a mark: " + a.t.textContent);
    }
    for (const t of svg.querySelectorAll("text.tick, text.lane-label")) {
      const b = t.getBBox();
      if (b.x < view.x - 0.5 || b.x + b.width > view.x + view.width + 0.5)
        problems.push(id + ": text outside the timeline: " + t.textContent);
    }
    const own = svg.getBoundingClientRect(), box = svg.closest("details").getBoundingClientRect();
    if (own.right > box.right + 0.5 || own.left < box.left - 0.5) problems.push(id + ": timeline wider than its result");
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("the page scrolls sideways");
  return problems;
})()`;

describe("report.html in Chromium", () => {
  test("500 results: light, filtered, searchable, evidence read on open, labels laid out, screenshots kept", async () => {
    const written = await createHtmlReporter().onFinish(bigRun(), { outDir: dir.path });
    const file = join(dir.path, "report.html");
    expect(written.files).toEqual([`${join(dir.path, EVIDENCE_DIR)}/`, file]);
    // Measured 2026-12-03 on this run: 12.3 MB as one page before, 0.55 MB now (and 48 evidence files).
    expect((await stat(file)).size).toBeLessThan(1_000_000);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(`file://${file}`);

    // The CSP allows the one script by its hash: no violation, and it ran.
    expect(errors).toEqual([]);
    // Strings, not functions: this project's TypeScript has no DOM library.
    const nodes = await page.evaluate<number>('document.querySelectorAll("*").length');
    const svgs = await page.evaluate<number>('document.querySelectorAll("svg.timeline").length');
    expect(svgs).toBe(FAILING);
    expect(nodes).toBeLessThan(20_000);

    const visible = () => page.locator("details.result:visible").count();
    // A run with failures opens on them.
    expect(await visible()).toBe(FAILING);
    await page.locator("#failures-only").uncheck();
    expect(await visible()).toBe(TOTAL);

    await page.locator("#q").fill("scenario-002 nginx");
    expect(await visible()).toBe(2);
    expect(await page.locator("#shown").textContent()).toBe(`2 of ${TOTAL} results match`);
    await page.locator("#q").fill("");
    expect(await visible()).toBe(TOTAL);

    // A passing result's body is read from its evidence file (file://, through the CSP) when opened.
    const first = page.locator("details.result.pass").first();
    await first.locator("summary").click();
    await expect.poll(() => first.locator("svg.timeline").count()).toBe(1);
    const last = page.locator(`[id="r-${TOTAL - 1}"]`);
    await last.locator("summary").click();
    await expect.poll(() => last.locator("svg.timeline").count()).toBe(1);
    expect(errors).toEqual([]);

    // A matrix link to a passing result opens it, with failures-only on.
    await page.locator("#failures-only").check();
    await page.locator('.matrix a[href="#r-2"]').click();
    await expect.poll(() => page.locator('[id="r-2"] svg.timeline').count()).toBe(1);
    expect(await page.locator('[id="r-2"]').isVisible()).toBe(true);

    expect(await page.evaluate<string[]>(LAYOUT_PROBLEMS)).toEqual([]);

    const shots = process.env.STREAMCHAOS_SCREENSHOT_DIR ?? dir.path;
    await page.locator('[id="r-1"] svg.timeline').screenshot({ path: join(shots, "report-timeline.png") });
    await page.locator("#failures-only").check();
    await page.evaluate("window.scrollTo(0, 0)");
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);
    await writeFile(join(shots, "report-top.png"), png);
    await page.close();

    // Without its folder (report.html mailed alone), a result says where its evidence went.
    await rename(join(dir.path, EVIDENCE_DIR), join(dir.path, "moved"));
    const alone = await browser.newPage();
    await alone.goto(`file://${file}`);
    await alone.locator("#failures-only").uncheck();
    const orphan = alone.locator('[id="r-0"]');
    await orphan.locator("summary").click();
    await expect
      .poll(() => orphan.locator(".lazy").textContent())
      .toMatch(
        /^Could not read report-files\/evidence-000\.js .*keep the report-files folder beside this page/,
      );
    await alone.close();
  });
});
