import { readdir } from "node:fs/promises";

/**
 * The modules of a folder that is a registry by file (one scenario, one check per file): `.ts` when
 * run from the sources, `.js` when compiled into the package; tests, declarations and source maps
 * are not modules. Sorted, so the order never depends on the file system.
 */
export async function moduleFiles(dir: URL): Promise<Array<{ file: string; stem: string }>> {
  const names = await readdir(dir);
  return names
    .filter((f) => /\.(ts|js)$/.test(f) && !/\.d\.ts$/.test(f) && !/\.test\.(ts|js)$/.test(f))
    .sort()
    .map((file) => ({ file, stem: file.replace(/\.(ts|js)$/, "") }));
}
