import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_CHROMIUM } from "../harness/probe/browser/chromium.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { makeTempDir, type TempDir } from "../lib/tempdir.ts";
import { renderHtml } from "./html.ts";
import { failing, passing, run, T0 } from "./testing/fixtures.ts";

/**
 * report.html as people see it, in headless Chromium: 500 results stay light (passing results'
 * detail is not in the DOM until opened), the failures-only filter and the search work, marks'
 * labels sit inside the plot, and a screenshot of the top of the page is kept beside the report.
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
        ? failing(id, { edge, profile })
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

describe("report.html in Chromium", () => {
  test("500 results: light, filtered, searchable, labels inside the plot, a screenshot kept", async () => {
    const html = renderHtml(bigRun());
    const file = join(dir.path, "report.html");
    await writeFile(file, html);
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
    // Measured 2026-12-03 on a run like this one: ~7,500 elements, ~427,000 with the templates unwrapped.
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

    // A passing result's timeline appears when it is opened.
    const first = page.locator("details.result.pass").first();
    await first.locator("summary").click();
    await expect.poll(() => first.locator("svg.timeline").count()).toBe(1);

    // Every label inside the plot area of its timeline.
    const outside = await page.evaluate<string[]>(`[...document.querySelectorAll("text.mark-label")]
      .filter((text) => { const box = text.getBBox(); return box.x < 95.5 || box.x + box.width > 1156.5; })
      .map((text) => text.textContent)`);
    expect(outside).toEqual([]);

    await page.locator("#failures-only").check();
    await page.evaluate("window.scrollTo(0, 0)");
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);
    await writeFile(join(process.env.STREAMCHAOS_SCREENSHOT_DIR ?? dir.path, "report-top.png"), png);
    await page.close();
  });
});
