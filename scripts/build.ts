/**
 * `npm run build` (and `prepack`): compiles the package into dist/ (JS and .d.ts; no source maps, see tsconfig.build.json) with
 * tsconfig.build.json, from a clean folder so that a file deleted from the sources never ships.
 *
 * tsc rewrites `./x.ts` to `./x.js` in the JS it emits (rewriteRelativeImportExtensions) but leaves
 * the specifiers of the declarations as written. A user's TypeScript resolves `./x.ts` in a .d.ts
 * only from 5.0 on, and other tools not at all: the declarations get the same `.js` specifiers here.
 *
 * Files the code reads or starts by path beside itself are not compiled; they are copied next to
 * their compiled neighbours: plain JS modules (`.mjs`, like the watchdog's reaper) and data (`.json`,
 * like the cassette JSON Schema). Test fixtures stay behind.
 *
 * Last, `streamchaos fake` is bundled into one module (cli/fake-main.ts).
 */
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

await rm(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compiled = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

/** `from "./a.ts"`, `import("../b.ts")`, `import "./c.mts"`: relative specifiers only. */
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*?)\.(m?)ts\2/g;

function rewriteDeclaration(text: string): string {
  return text.replace(TS_SPECIFIER, (_all, lead: string, quote: string, path: string, m: string) => {
    return `${lead}${quote}${path}.${m}js${quote}`;
  });
}

let rewritten = 0;
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
  const file = join(entry.parentPath, entry.name);
  const text = await readFile(file, "utf8");
  const next = rewriteDeclaration(text);
  if (next !== text) {
    await writeFile(file, next);
    rewritten++;
  }
}
// Read as tsc reads it: a tsconfig may hold comments, which JSON.parse rejects.
const typescript = createRequire(import.meta.url)("typescript") as typeof import("typescript");
const buildConfig = typescript.readConfigFile(join(root, "tsconfig.build.json"), typescript.sys.readFile);
if (buildConfig.error) {
  throw new Error(
    `tsconfig.build.json: ${typescript.flattenDiagnosticMessageText(buildConfig.error.messageText, "\n")}`,
  );
}
const { include } = buildConfig.config as { include: string[] };
let copied = 0;
for (const folder of include.filter((entry) => !entry.endsWith(".ts"))) {
  for (const entry of await readdir(join(root, folder), { recursive: true, withFileTypes: true })) {
    const file = join(entry.parentPath, entry.name);
    if (!entry.isFile() || !/\.(mjs|json)$/.test(entry.name) || /\.test\.|\/testing\//.test(file)) continue;
    const target = join(dist, relative(root, file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
    copied++;
  }
}
// `streamchaos fake` in one file (cli/fake-main.ts says why), from the JS just compiled so it is
// the same code. Only whitespace and syntax are minified: names stay, for stack traces and
// constructor names. A .js file, as the rest of dist/ (lib/package.ts tells compiled code by it).
await build({
  entryPoints: [join(dist, "cli", "fake-main.js")],
  outfile: join(dist, "cli", "fake-main.bundle.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
process.stdout.write(
  `build: dist/ compiled; ${rewritten} declaration files now import .js; ${copied} .mjs/.json files copied; ` +
    "dist/cli/fake-main.bundle.js bundled\n",
);
