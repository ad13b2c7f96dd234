import { describe, expect, it } from "vitest";
import { renderConsoleSummary } from "./console.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { failing, failingWithHops, failingWithStackHops, run } from "./testing/fixtures.ts";

const WHERE = "where: hop B: the backend closed mid-chunk, no terminating chunk; hop A: nginx sent";
const options = { columns: 400, color: false, unicode: true } as const;

describe("hops in the reports", () => {
  it("console: a failing check says where it broke and how long the first token was held", () => {
    const text = renderConsoleSummary(run([failingWithHops("mid-cut")]), options);
    expect(text).toContain(WHERE);
    expect(text).toContain("first token: nginx held it 1.3 s");
    const unavailable = renderConsoleSummary(
      run([failing("mid-cut", { hopsUnavailable: "the Toxiproxy in docker records no taps" })]),
      options,
    );
    expect(unavailable).toContain("hops unavailable: the Toxiproxy in docker records no taps");
    expect(unavailable).not.toContain("where:");
  });

  it("markdown: the hop story under the check, and a table of the hops", () => {
    const md = renderMarkdown(run([failingWithHops("mid-cut")]));
    // Markdown-escaped (the backslashes of \r\n doubled), and in italics under the check's summary.
    expect(md).toMatch(
      /\n\*where: hop B: the backend closed mid-chunk, no terminating chunk; hop A: nginx sent \\`0.*it hid the cut\*\n/,
    );
    expect(md).toContain("\n*first token: nginx held it 1.3 s*\n");
    expect(md).toContain(
      "| hop | bytes ↑ ↓ | first – last byte | response as sent | ends (client / upstream) |",
    );
    expect(md).toContain(
      "| A probe → nginx | 287 ↑ 1362 ↓ | 38 ms – 408 ms | 200, chunked, complete, body incomplete | fin (proxy) / fin |",
    );
    expect(md).toContain("| B nginx → backend |");
    // Raw bytes stay in results.json and the HTML: a PR comment has no room for them.
    expect(md).not.toContain("POST /v1/chat HTTP/1.1");
  });

  it("html: the hops are the timeline's lanes, with the raw bytes escaped", () => {
    const html = renderHtml(run([failingWithHops("mid-cut")]));
    const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
    const lanes = [...svg.matchAll(/class="lane-label"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(lanes.slice(0, 7)).toEqual(["probe", "hop A", "edge", "hop B", "backend", "hop C", "fake"]);
    expect(svg).toContain('class="k-hop-broken"');
    expect(svg).toMatch(/hop B nginx → backend: 200, chunked, cut-mid-chunk/);
    expect(html).toContain("<h3>Hops</h3>");
    expect(html).toContain('<p class="hop">where: hop B: the backend closed mid-chunk');
    expect(html).toContain('<p class="hop">first token: nginx held it 1.3 s</p>');
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;/script&gt;");
    // Without hops the timeline keeps its box lanes only.
    const plain = renderHtml(run([failing("mid-cut")]));
    expect(plain).not.toContain("hop A");
  });

  it("a stack's service links: every report shows them, in chain order, and the timeline gives each a lane", () => {
    const result = failingWithStackHops("mid-connection-fin");
    const console = renderConsoleSummary(run([result]), options);
    expect(console).toContain(
      "where: hop backend: the backend closed mid-chunk, no terminating chunk; hop B: the frontend passed it on",
    );
    expect(console).toContain(
      "first token: the backend held it 40 ms, the frontend held it 260 ms, nginx held it 1.3 s",
    );

    const md = renderMarkdown(run([result]));
    const rows = [...md.matchAll(/^\| (\S+ \S+ → \S+) \|/gm)].map((m) => m[1]);
    expect(rows).toEqual([
      "A probe → nginx",
      "B nginx → frontend",
      "backend frontend → backend",
      "C backend → provider",
    ]);

    const html = renderHtml(run([result]));
    const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
    const lanes = [...svg.matchAll(/class="lane-label"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(lanes.slice(0, 8)).toEqual([
      "probe",
      "hop A",
      "edge",
      "hop B",
      "backend",
      "hop backend",
      "hop C",
      "fake",
    ]);
    expect(svg).toMatch(/hop backend frontend → backend: 200, chunked, cut-mid-chunk/);
    expect(html).toContain("backend frontend → backend");
  });
});
