import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * docs/architecture.md, enforced: every import points down. A layer may import its own files and the
 * layers under it; fakes/ and proxies/ stand side by side and never import each other. Tests are not
 * held to it (a proxies test may start a fake).
 */
const RANK: Record<string, number> = {
  lib: 0,
  runtime: 1,
  fakes: 2,
  proxies: 2,
  scenarios: 3,
  harness: 4,
  reports: 5,
};
const TOP = 6; // cli/, index.ts, bench/, scripts/, docker/, examples/: nothing imports them.
const ROOT = dirname(fileURLToPath(import.meta.url));

function layerOf(path: string): string {
  const first = path.split("/")[0]!;
  return path.includes("/") ? first : "(root)";
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts)$/.test(e.name) && !/\.test\.ts$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((p) => !p.split("/").includes("testing") && !p.includes("node_modules"));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    found.push(normalize(join(dirname(file), m[1]!)));
  }
  return found;
}

describe("layers", () => {
  it("no file imports from a layer above its own, and fakes/proxies never import each other", () => {
    const wrong: string[] = [];
    for (const layer of Object.keys(RANK)) {
      for (const file of sourceFiles(layer)) {
        for (const target of importsOf(file)) {
          if (!target.endsWith(".ts")) continue; // package.json and other data
          const to = layerOf(target);
          const toRank = RANK[to] ?? TOP;
          if (to === layer) continue;
          if (toRank > RANK[layer]! || (toRank === RANK[layer] && to !== layer))
            wrong.push(`${file} -> ${target}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
