import { describe, expect, test } from "vitest";
import { renderConsoleSummary } from "./console.ts";
import { renderHtml } from "./html.ts";
import { columnOf } from "./internal/matrix.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { failing, passing, run } from "./testing/fixtures.ts";

/** Each client is a column of its own in every report; h1 alone reads as runs did before clients. */
describe("reports show the client", () => {
  const results = [
    passing("mid-connection-fin", { client: "h1" }),
    failing("mid-connection-fin", { client: "h2" }),
    failing("mid-connection-fin", { client: "browser" }),
  ];
  const r = run(results);

  test("one matrix column per client, labelled past h1", () => {
    expect(results.map((x) => columnOf(x).label)).toEqual([
      "node-hardened/nginx",
      "node-hardened/nginx [h2]",
      "node-hardened/nginx [browser]",
    ]);
    expect(new Set(results.map((x) => columnOf(x).key)).size).toBe(3);
  });

  test("console, Markdown, HTML and JUnit name it", () => {
    const consoleText = renderConsoleSummary(r, { columns: 200, color: false, unicode: false });
    expect(consoleText).toContain("node-hardened/nginx [h2]");
    expect(consoleText).toContain("node-hardened/nginx [browser]");
    expect(renderMarkdown(r)).toContain("node-hardened/nginx [h2]");
    expect(renderHtml(r)).toContain("via browser");
    const junit = renderJunit(r);
    expect(junit).toContain('<testsuite name="node-hardened.nginx.default.h2"');
    expect(junit).toContain('<testsuite name="node-hardened.nginx.default"');
    expect(junit).toContain('<property name="client" value="browser"/>');
    expect(junit).toContain('<property name="client" value="h1"/>');
  });
});
