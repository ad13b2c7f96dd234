#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader so no build step stands between a clone and a run.
import { tsImport } from "tsx/esm/api";

// `streamchaos list | head` closes our stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { main } = await tsImport("../cli/main.ts", import.meta.url);
process.exitCode = await main(process.argv.slice(2));
