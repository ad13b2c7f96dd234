#!/usr/bin/env node
// The installed package runs its compiled CLI (dist/) with plain Node. A checkout of the repository
// has the TypeScript sources beside this file: it runs them through tsx's loader, so no build step
// stands between a clone and a run, and a stale dist/ is never what a developer is testing.
import { existsSync } from "node:fs";

// `streamchaos list | head` closes our stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const source = new URL("../cli/main.ts", import.meta.url);
const args = process.argv.slice(2);
if (existsSync(source)) {
  const { main } = await (await import("tsx/esm/api")).tsImport(source.href, import.meta.url);
  process.exitCode = await main(args);
} else if (args[0] === "fake") {
  // A standalone fake runs from one bundled module: less memory held for as long as it serves.
  const { fakeMain } = await import("../dist/cli/fake-main.bundle.js");
  process.exitCode = await fakeMain(args.slice(1));
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(args);
}
