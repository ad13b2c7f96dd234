import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where streamchaos itself lives, from a checkout (sources run through tsx or vitest) and from the
 * installed package (compiled into `dist/`). A file's depth differs between the two (`lib/` vs
 * `dist/lib/`), so the root is found, not assumed: the nearest folder up with our package.json.
 */
const here = fileURLToPath(import.meta.url);

/** True when this code runs compiled from `dist/` (the installed package), false from the sources. */
export const COMPILED = here.endsWith(".js");

function findRoot(): string {
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "streamchaos"
    )
      return dir;
    if (dirname(dir) === dir) throw new Error(`streamchaos: no package.json of streamchaos above ${here}`);
  }
}

/** The package root: the checkout, or `node_modules/streamchaos`. */
export const PACKAGE_ROOT = findRoot();

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string })
    .version;
}

/** A checkout of the repository (sources, Dockerfiles, lockfile) rather than the installed package. */
export function isCheckout(): boolean {
  return existsSync(join(PACKAGE_ROOT, "docker", "build-images.ts"));
}

/**
 * How to run one of our own TypeScript programs (the reference backend) as a child process: its
 * compiled twin under `dist/` with plain node in the package, the source through tsx's loader in a
 * checkout. `source` is relative to the package root, e.g. `examples/node-backend/server.ts`.
 */
export function nodeProgram(source: string): string[] {
  if (COMPILED) return [process.execPath, join(PACKAGE_ROOT, "dist", source.replace(/\.ts$/, ".js"))];
  return [process.execPath, "--import", "tsx", join(PACKAGE_ROOT, source)];
}
